import { describe, expect, it } from "vitest";
import { Prisma } from "@/lib/generated/prisma/client";
import { retryingRaces } from "./errors";

const lostRace = () => new Prisma.PrismaClientKnownRequestError("deadlock", { code: "P2034", clientVersion: "test" });

describe("retryingRaces", () => {
  it("runs the work again after a lost race, and returns what it gives once it wins", async () => {
    let runs = 0;
    const answer = await retryingRaces(async () => {
      runs++;
      if (runs < 3) throw lostRace();
      return "booked";
    }, 4);
    expect(answer).toBe("booked");
    expect(runs).toBe(3);
  });

  it("gives up after the attempts allowed and throws the last lost race", async () => {
    let runs = 0;
    const failing = retryingRaces(async () => {
      runs++;
      throw lostRace();
    }, 3);
    await expect(failing).rejects.toMatchObject({ code: "P2034" });
    expect(runs).toBe(3);
  });

  it("does not retry anything else", async () => {
    let runs = 0;
    const failing = retryingRaces(async () => {
      runs++;
      throw new Prisma.PrismaClientKnownRequestError("taken", { code: "P2002", clientVersion: "test" });
    }, 5);
    await expect(failing).rejects.toMatchObject({ code: "P2002" });
    expect(runs).toBe(1);
  });
});

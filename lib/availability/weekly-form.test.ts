import { describe, expect, it } from "vitest";
import { availabilityFieldErrors, weeklyHoursSchema } from "./schema";
import { weeklyFormValues, weeklyInputName, weeklyRangesFromForm, weeklyValuesOf } from "./weekly-form";

const clinicianId = "0b7f5c1e-8f0a-4d57-9a3c-3f1b2d4e5a6b";

describe("the weekly form", () => {
  const form = (entries: [string, string][]) => {
    const data = new FormData();
    for (const [name, value] of entries) data.append(name, value);
    return data;
  };

  it("reads rows per weekday in row order, ignores strangers, and puts errors back on the right inputs", () => {
    const values = weeklyFormValues(
      form([
        ["clinicianId", clinicianId],
        ["w1.1.start", "13:00"],
        ["w1.1.end", "17:00"],
        ["w1.0.start", "08:00"],
        ["w1.0.end", "12:00"],
        ["w1.2.start", ""],
        ["w1.2.end", ""],
        ["w3.0.start", "09:00"],
        ["w3.0.end", "08:00"],
        ["w8.0.start", "09:00"],
        ["w1.99.start", "09:00"],
      ]),
    );
    expect(values).toEqual({
      "1": [
        { start: "08:00", end: "12:00" },
        { start: "13:00", end: "17:00" },
        { start: "", end: "" },
      ],
      "2": [],
      "3": [{ start: "09:00", end: "08:00" }],
      "4": [],
      "5": [],
      "6": [],
      "7": [],
    });
    const { ranges, inputNames } = weeklyRangesFromForm(values);
    expect(inputNames).toEqual(["w1.0", "w1.1", "w3.0"]);
    const result = weeklyHoursSchema.safeParse({ clinicianId, ranges });
    const errors = availabilityFieldErrors(result.error!);
    expect(Object.keys(errors).map((path) => weeklyInputName(path, inputNames))).toEqual(["w3.0.end"]);
    expect(weeklyInputName("ranges", inputNames)).toBe("form");
  });

  it("writes saved ranges back as form values", () => {
    expect(weeklyValuesOf([{ weekday: 2, startMinute: 480, endMinute: 1440 }])).toMatchObject({
      "1": [],
      "2": [{ start: "08:00", end: "24:00" }],
    });
  });
});

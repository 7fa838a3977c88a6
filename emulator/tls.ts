import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export interface TlsMaterial {
  caPath: string;
  ca: string;
  key: string;
  cert: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: "ignore" });
}

/**
 * A local CA plus a server certificate for localhost/127.0.0.1, generated once per data dir.
 * Clients trust it with NODE_EXTRA_CA_CERTS=<dataDir>/ca.pem; the private keys never leave the data dir.
 */
export function ensureTls(dataDir: string): TlsMaterial {
  const dir = path.join(dataDir, "tls");
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caPath = path.join(dataDir, "ca.pem");
  const keyPath = path.join(dir, "server-key.pem");
  const certPath = path.join(dir, "server-cert.pem");
  if (!fs.existsSync(caPath) || !fs.existsSync(keyPath) || !fs.existsSync(certPath)) {
    openssl(
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca-key.pem",
        "-out",
        "ca.pem",
        "-days",
        "825",
        "-subj",
        "/CN=Consulta Emulator Local CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
      ],
      dir,
    );
    openssl(
      [
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server-key.pem",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
      ],
      dir,
    );
    fs.writeFileSync(
      path.join(dir, "server.ext"),
      "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    );
    openssl(
      [
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca-key.pem",
        "-CAcreateserial",
        "-out",
        "server-cert.pem",
        "-days",
        "825",
        "-sha256",
        "-extfile",
        "server.ext",
      ],
      dir,
    );
    fs.copyFileSync(path.join(dir, "ca.pem"), caPath);
  }
  return {
    caPath,
    ca: fs.readFileSync(caPath, "utf8"),
    key: fs.readFileSync(keyPath, "utf8"),
    cert: fs.readFileSync(certPath, "utf8"),
  };
}

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../lib/config.js";

describe("configuration", () => {
  it("has working defaults", () => {
    const cfg = parseConfig({});
    expect(cfg.DATABASE_URL).toMatch(/^postgresql:\/\//);
    expect(cfg.LABGRADE_RUNNER_CONCURRENCY).toBe(1);
    expect(cfg.PORT).toBe(3000);
  });

  it("names every bad variable and what it got", () => {
    let error: unknown;
    try {
      parseConfig({ REDIS_URL: "localhost:6379", LABGRADE_RUNNER_CONCURRENCY: "lots", AUTH_SECRET: "short" });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain("REDIS_URL");
    expect(message).toContain('"localhost:6379"');
    expect(message).toContain("LABGRADE_RUNNER_CONCURRENCY");
    expect(message).toContain("AUTH_SECRET: must be at least 32 characters");
  });

  it("takes single sign-on whole or not at all, and says which part is missing", () => {
    expect(parseConfig({}).LABGRADE_OIDC_ISSUER).toBeUndefined();
    const full = { LABGRADE_OIDC_ISSUER: "https://login.uni.example/realms/students", LABGRADE_OIDC_CLIENT_ID: "labgrade", LABGRADE_OIDC_CLIENT_SECRET: "s3cret" };
    expect(parseConfig(full)).toMatchObject({ ...full, LABGRADE_OIDC_NAME: "university single sign-on" });
    expect(() => parseConfig({ LABGRADE_OIDC_ISSUER: full.LABGRADE_OIDC_ISSUER })).toThrow(/LABGRADE_OIDC_CLIENT_ID: single sign-on needs all of/);
    expect(() => parseConfig({ ...full, LABGRADE_OIDC_ISSUER: "login.uni.example" })).toThrow(/LABGRADE_OIDC_ISSUER: must be the issuer's URL/);
  });

  describe("the runner's Docker engine", () => {
    const certs = mkdtempSync(path.join(os.tmpdir(), "labgrade-certs-"));
    for (const file of ["ca.pem", "cert.pem", "key.pem"]) writeFileSync(path.join(certs, file), `-----BEGIN ${file}-----\n`);
    const halfCerts = mkdtempSync(path.join(os.tmpdir(), "labgrade-certs-"));
    writeFileSync(path.join(halfCerts, "ca.pem"), "-----BEGIN CERTIFICATE-----\n");
    writeFileSync(path.join(halfCerts, "cert.pem"), "not a certificate");
    afterAll(() => {
      rmSync(certs, { recursive: true, force: true });
      rmSync(halfCerts, { recursive: true, force: true });
    });
    const tls = { DOCKER_HOST: "tcp://10.0.0.7:2376", DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: certs };

    it("takes the local socket, a unix socket, TLS, and plain TCP to loopback", () => {
      expect(parseConfig({}).DOCKER_HOST).toBeUndefined();
      expect(parseConfig({ DOCKER_HOST: "unix:///run/labgrade/docker.sock" }).DOCKER_HOST).toBe("unix:///run/labgrade/docker.sock");
      expect(parseConfig(tls)).toMatchObject(tls);
      expect(parseConfig({ DOCKER_HOST: "tcp://127.0.0.1:2375" }).DOCKER_HOST).toBe("tcp://127.0.0.1:2375");
    });

    it("refuses what dockerode would misread, naming the variable and the fix", () => {
      const refused: [Record<string, string>, RegExp][] = [
        [{ DOCKER_HOST: "10.0.0.7:2376" }, /DOCKER_HOST: must be unix:\/\/\/path\/to\/docker.sock or tcp:\/\/host:port/],
        [{ DOCKER_HOST: "ssh://runner@10.0.0.7" }, /DOCKER_HOST: must be unix:/],
        [{ DOCKER_HOST: "tcp://10.0.0.7" }, /DOCKER_HOST: must be/],
        [{ DOCKER_HOST: "tcp://10.0.0.7:2375" }, /DOCKER_HOST: is plain TCP to 10\.0\.0\.7: anyone who reaches that port controls the engine/],
        [{ DOCKER_HOST: "tcp://10.0.0.7:2376" }, /DOCKER_TLS_VERIFY: must be 1 with port 2376/],
        [{ ...tls, DOCKER_TLS_VERIFY: "0" }, /DOCKER_TLS_VERIFY: must be 1 \(or unset\)/],
        [{ ...tls, DOCKER_TLS_VERIFY: "true" }, /DOCKER_TLS_VERIFY: must be 1 \(or unset\)/],
        [{ DOCKER_HOST: "tcp://10.0.0.7:2376", DOCKER_TLS_VERIFY: "1" }, /DOCKER_CERT_PATH: is needed with DOCKER_TLS_VERIFY=1/],
        [{ ...tls, DOCKER_CERT_PATH: halfCerts }, /DOCKER_CERT_PATH: has no readable PEM file cert\.pem, key\.pem/],
        [{ ...tls, DOCKER_CERT_PATH: path.join(certs, "missing") }, /DOCKER_CERT_PATH: has no readable PEM file ca\.pem, cert\.pem, key\.pem/],
        [{ DOCKER_HOST: "tcp://127.0.0.1:2375", DOCKER_CERT_PATH: certs }, /DOCKER_CERT_PATH: is set but DOCKER_TLS_VERIFY is not 1/],
        [{ DOCKER_TLS_VERIFY: "1" }, /DOCKER_TLS_VERIFY: is only used with DOCKER_HOST=tcp:\/\/…; the engine here is the local socket/],
        [{ DOCKER_HOST: "unix:///var/run/docker.sock", DOCKER_CERT_PATH: certs }, /DOCKER_CERT_PATH: is only used with DOCKER_HOST=tcp/],
      ];
      for (const [env, message] of refused) expect(() => parseConfig(env), JSON.stringify(env)).toThrow(message);
    });
  });

  it("retries our failures for 20 minutes by default, at most a minute apart, and re-runs those of the last day", () => {
    expect(parseConfig({})).toMatchObject({ LABGRADE_INFRA_RETRY_MINUTES: 20, LABGRADE_INFRA_RETRY_MAX_DELAY_SECONDS: 60, LABGRADE_INFRA_RERUN_HOURS: 24 });
    expect(parseConfig({ LABGRADE_INFRA_RERUN_HOURS: "0" }).LABGRADE_INFRA_RERUN_HOURS).toBe(0);
    expect(() => parseConfig({ LABGRADE_INFRA_RETRY_MINUTES: "0" })).toThrow(/LABGRADE_INFRA_RETRY_MINUTES/);
    expect(() => parseConfig({ LABGRADE_INFRA_RETRY_MAX_DELAY_SECONDS: "soon" })).toThrow(/LABGRADE_INFRA_RETRY_MAX_DELAY_SECONDS/);
  });
});

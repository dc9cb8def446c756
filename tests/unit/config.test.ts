import { describe, expect, it } from "vitest";
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

  it("retries our failures for 20 minutes by default, at most a minute apart, and re-runs those of the last day", () => {
    expect(parseConfig({})).toMatchObject({ LABGRADE_INFRA_RETRY_MINUTES: 20, LABGRADE_INFRA_RETRY_MAX_DELAY_SECONDS: 60, LABGRADE_INFRA_RERUN_HOURS: 24 });
    expect(parseConfig({ LABGRADE_INFRA_RERUN_HOURS: "0" }).LABGRADE_INFRA_RERUN_HOURS).toBe(0);
    expect(() => parseConfig({ LABGRADE_INFRA_RETRY_MINUTES: "0" })).toThrow(/LABGRADE_INFRA_RETRY_MINUTES/);
    expect(() => parseConfig({ LABGRADE_INFRA_RETRY_MAX_DELAY_SECONDS: "soon" })).toThrow(/LABGRADE_INFRA_RETRY_MAX_DELAY_SECONDS/);
  });
});

import { describe, expect, it } from "vitest";
import { requestedUid, unsignedCustomToken } from "./customToken";

function decode(part: string): Record<string, unknown> {
  return JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/")));
}

describe("unsignedCustomToken", () => {
  it("is an unsigned JWT naming the uid for Identity Toolkit", () => {
    const [header, claims, signature] = unsignedCustomToken("alice", 1_700_000_000_000).split(".");
    expect(decode(header)).toEqual({ alg: "none", typ: "JWT" });
    expect(decode(claims)).toMatchObject({ uid: "alice", iat: 1_700_000_000, exp: 1_700_003_600 });
    expect(String(decode(claims).aud)).toMatch(/IdentityToolkit$/);
    expect(signature).toBe("");
  });
});

describe("requestedUid", () => {
  it.each([
    ["?as=alice", "alice"],
    ["?as=", null],
    ["", null],
    ["?as=a/b", null],
    ["?as=%20alice", null],
    [`?as=${"x".repeat(129)}`, null],
  ])("%s -> %s", (search, uid) => {
    expect(requestedUid(search, "http://127.0.0.1:9099")).toBe(uid);
  });
  it("is never honoured without an Auth emulator (a deployment)", () => {
    expect(requestedUid("?as=alice", null)).toBeNull();
    expect(requestedUid("?as=alice", "")).toBeNull();
  });
});

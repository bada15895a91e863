import { describe, expect, it } from "vitest";
import { readRequestCredential } from "../../src/gateway/authenticate-request.js";

describe("readRequestCredential", () => {
  it("takes x-api-key first, then a bearer token", () => {
    expect(readRequestCredential({ "x-api-key": " hmr_1_abc ", authorization: "Bearer other" })).toBe("hmr_1_abc");
    expect(readRequestCredential({ authorization: "Bearer hmr_1_abc" })).toBe("hmr_1_abc");
    expect(readRequestCredential({ authorization: "bearer\thmr_1_abc  " })).toBe("hmr_1_abc");
    expect(readRequestCredential({ "x-api-key": "", authorization: "Bearer hmr_1_abc" })).toBe("hmr_1_abc");
  });

  it("finds none in other schemes, or in a header that is not one token", () => {
    for (const authorization of ["Basic aG1yOnNlY3JldA==", "Bearer", "Bearer ", "Bearer a b", "hmr_1_abc"]) {
      expect(readRequestCredential({ authorization }), authorization).toBeNull();
    }
    expect(readRequestCredential({})).toBeNull();
    expect(readRequestCredential({ "x-api-key": "   " })).toBeNull();
  });
});

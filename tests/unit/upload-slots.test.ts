import { describe, expect, it } from "vitest";
import { UploadSlots, UploadsBusyError } from "../../lib/submissions/upload-slots.js";

const refusal = (take: () => unknown) => {
  try {
    take();
  } catch (err) {
    if (err instanceof UploadsBusyError) return { code: err.code, retryAfterSeconds: err.retryAfterSeconds };
    throw err;
  }
  return null;
};

describe("upload places", () => {
  it("hold each person to their share and the process to its total, and come back once each", () => {
    const slots = new UploadSlots(2, 3);
    const ann = [slots.take("ann"), slots.take("ann")];
    expect(refusal(() => slots.take("ann"))).toEqual({ code: "uploads.too_many", retryAfterSeconds: 5 });
    const ben = slots.take("ben");
    expect(refusal(() => slots.take("cat"))).toEqual({ code: "uploads.busy", retryAfterSeconds: 5 });
    // Releasing twice frees one place, not two.
    ann[0]!();
    ann[0]!();
    const cat = slots.take("cat");
    expect(refusal(() => slots.take("dan"))).toEqual({ code: "uploads.busy", retryAfterSeconds: 5 });
    expect(refusal(() => slots.take("ann"))).toEqual({ code: "uploads.busy", retryAfterSeconds: 5 });
    for (const release of [ann[1]!, ben, cat]) release();
    expect(refusal(() => [slots.take("ann"), slots.take("ann"), slots.take("ben")])).toBeNull();
  });
});

import { describe, expect, it } from "vitest";
import { decideReviewTrigger, mentionsHandle, parseReviewEvent, type ReviewPayload } from "../../src/intake/review-event.js";
import { loadExample } from "../helpers/app.js";

function review(state: string, body: string | null, senderType = "User") {
  const payload = loadExample("pull_request_review", "submitted");
  payload.installation = { id: 1 };
  payload.review.state = state;
  payload.review.body = body;
  payload.sender.type = senderType;
  return parseReviewEvent("pull_request_review", "d1", payload as unknown as ReviewPayload);
}

describe("mentionsHandle", () => {
  it.each([
    ["@hamster-deliver please", true],
    ["Thanks @Hamster-Deliver!", true],
    ["(@hamster-deliver)", true],
    ["@hamster-deliverer", false],
    ["hi@hamster-deliver.dev", false],
    ["`@hamster-deliver`", false],
    ["> @hamster-deliver said", false],
    ["```\n@hamster-deliver\n```", false],
    ["see org/@hamster-deliver", false],
  ])("%j → %s", (body, expected) => {
    expect(mentionsHandle(body, "hamster-deliver")).toBe(expected);
  });
});

describe("decideReviewTrigger", () => {
  const event = (parsed: ReturnType<typeof parseReviewEvent>) => {
    if (parsed.kind !== "review") throw new Error(parsed.why);
    return parsed.event;
  };

  it("follows up on a review that requests changes, whatever its body", () => {
    expect(decideReviewTrigger(event(review("changes_requested", null)), "hamster-deliver")).toMatchObject({ action: "follow_up", why: "changes requested" });
  });

  it("follows up on a mention or `/deliver`, and takes the text after `/deliver` as instructions", () => {
    expect(decideReviewTrigger(event(review("commented", "@hamster-deliver have a look")), "hamster-deliver")).toMatchObject({ action: "follow_up" });
    expect(decideReviewTrigger(event(review("approved", "LGTM\n/deliver Rename it too")), "hamster-deliver")).toEqual({ action: "follow_up", why: "/deliver", instructions: "Rename it too" });
  });

  it("ignores other reviews, and a bot's before anything is asked", () => {
    expect(decideReviewTrigger(event(review("commented", "@someone else")), "hamster-deliver")).toMatchObject({ action: "ignore" });
    expect(review("changes_requested", "/deliver", "Bot")).toMatchObject({ kind: "ignore" });
    expect(review("commented", "Looks fine")).toMatchObject({ kind: "ignore" });
  });
});

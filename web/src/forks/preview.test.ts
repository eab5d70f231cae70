import { QueryClient, QueryObserver } from "@tanstack/react-query";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ok } from "../api/answers.fixture";
import { api } from "../api/client";
import { PREVIEW_AFTER_MS, forkPreviewQuery } from "./preview";

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe("the fork preview", () => {
  it("asks the server once the draft has been still for a moment, for the latest draft only", async () => {
    vi.useFakeTimers();
    const post = vi.spyOn(api, "POST").mockResolvedValue(ok({ resume_at: "keyframing" }) as never);
    const client = new QueryClient();
    const observer = new QueryObserver(client, forkPreviewQuery("p1", { prompt: "a" }));
    const stop = observer.subscribe(() => {});
    await vi.advanceTimersByTimeAsync(PREVIEW_AFTER_MS / 2);
    observer.setOptions(forkPreviewQuery("p1", { prompt: "ab" })); // typed on: the first read is dropped
    await vi.advanceTimersByTimeAsync(PREVIEW_AFTER_MS / 2);
    expect(post).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(PREVIEW_AFTER_MS);
    expect(post).toHaveBeenCalledTimes(1);
    expect(post.mock.calls[0][1]).toMatchObject({ body: { prompt: "ab" } });
    stop();
  });
});

import { QueryClient } from "@tanstack/react-query";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ok } from "../api/answers.fixture";
import { api } from "../api/client";
import { keys } from "../api/keys";
import { CHECKPOINT_POLL_MS, JOB_POLL_MS, checkpointQuery, jobParam, jobQuery } from "./queries";

afterEach(() => vi.restoreAllMocks());

type Interval = (q: { state: { data?: unknown; dataUpdateCount?: number } }) => number | false;

describe("a regeneration's job", () => {
  it("is polled until it is DONE or ERROR", () => {
    const interval = jobQuery("t1", "c1").refetchInterval as Interval;
    expect(interval({ state: { data: { status: "RUNNING" }, dataUpdateCount: 3 } })).toBe(JOB_POLL_MS);
    expect(interval({ state: { data: { status: "DONE" }, dataUpdateCount: 4 } })).toBe(false);
    expect(interval({ state: { data: { status: "ERROR" }, dataUpdateCount: 4 } })).toBe(false);
    expect(interval({ state: { data: { status: "RUNNING" }, dataUpdateCount: 300 } })).toBe(false); // five minutes: given up
  });

  it("re-reads its checkpoint once, when it ends", async () => {
    const client = new QueryClient();
    client.setQueryData(keys.checkpoint("c1"), { checkpoint_id: "c1" });
    const get = vi.spyOn(api, "GET");
    get.mockResolvedValueOnce(ok({ task_id: "t1", status: "RUNNING" }) as never);
    get.mockResolvedValueOnce(ok({ task_id: "t1", status: "DONE" }) as never);
    await client.fetchQuery(jobQuery("t1", "c1"));
    expect(client.getQueryState(keys.checkpoint("c1"))?.isInvalidated).toBe(false);
    await client.fetchQuery({ ...jobQuery("t1", "c1"), staleTime: 0 });
    expect(client.getQueryState(keys.checkpoint("c1"))?.isInvalidated).toBe(true);
  });
});

describe("a checkpoint", () => {
  it("is polled while a continuity check is pending", () => {
    const interval = checkpointQuery("c1").refetchInterval as Interval;
    const withContinuity = (status: string) => ({ state: { data: { artifacts: [{ continuity: { status } }] } } });
    expect(interval(withContinuity("pending"))).toBe(CHECKPOINT_POLL_MS);
    expect(interval(withContinuity("ok"))).toBe(false);
  });

  it("is polled while an artifact's latest repair is queued or running, so a reload follows it", () => {
    const interval = checkpointQuery("c1").refetchInterval as Interval;
    const withRepair = (status: string | null) => ({
      state: { data: { artifacts: [{ continuity: { status: "missing" }, latest_repair: status && { task_id: "t1", status, attempts: [] } }] } },
    });
    expect(interval(withRepair("QUEUED"))).toBe(CHECKPOINT_POLL_MS);
    expect(interval(withRepair("RUNNING"))).toBe(CHECKPOINT_POLL_MS);
    expect(interval(withRepair("DONE"))).toBe(false);
    expect(interval(withRepair("ERROR"))).toBe(false);
    expect(interval(withRepair(null))).toBe(false);
  });

  it("names the address's parameter for each artifact's regeneration apart", () => {
    expect(jobParam({ artifact_type: "beat_image", artifact_key: "0" })).toBe("job-beat_image-0");
    expect(jobParam({ artifact_type: "chunk_clip", artifact_key: "0" })).not.toBe(jobParam({ artifact_type: "beat_image", artifact_key: "0" }));
  });
});

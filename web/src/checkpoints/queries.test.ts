import { QueryClient } from "@tanstack/react-query";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ok } from "../api/answers.fixture";
import { api } from "../api/client";
import { keys } from "../api/keys";
import { CHECKPOINT_POLL_MS, JOB_POLL_MS, checkpointQuery, jobQuery } from "./queries";

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
});

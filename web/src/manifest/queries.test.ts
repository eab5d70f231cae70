import { QueryClient } from "@tanstack/react-query";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ok } from "../api/answers.fixture";
import { api } from "../api/client";
import { keys } from "../api/keys";
import { PROGRESS_POLL_MS, manifestQuery, progressQuery } from "./queries";
import { inRunOrder } from "./ProcessingPanel";
import { SERVED_RULES } from "../api/config.fixture";

afterEach(() => vi.restoreAllMocks());

const progress = (status: string) => ({ manifest_id: "m1", status, progress: {}, updated_at: "2025-01-01T00:00:00Z" });

function answers(...statuses: string[]) {
  const get = vi.spyOn(api, "GET");
  for (const s of statuses) get.mockResolvedValueOnce(ok(progress(s)) as never);
  return get;
}

describe("a run's progress", () => {
  it("is polled while the run goes on, and only then", () => {
    const interval = progressQuery("m1").refetchInterval as (q: { state: { data?: unknown } }) => number | false;
    expect(interval({ state: { data: progress("PROCESSING") } })).toBe(PROGRESS_POLL_MS);
    expect(interval({ state: { data: progress("READY") } })).toBe(false);
    expect(interval({ state: {} })).toBe(false);
  });

  it("is the only read polled: the manifest itself is not", () => {
    expect(manifestQuery("m1").refetchInterval).toBeUndefined();
  });

  it("re-reads the manifest once when the run ends, not while it runs", async () => {
    const client = new QueryClient();
    client.setQueryData(keys.manifest("m1"), { id: "m1" });
    client.setQueryData(keys.manifests, []);
    answers("PROCESSING", "PROCESSING", "READY", "READY");
    const stale = () => client.getQueryState(keys.manifest("m1"))?.isInvalidated;

    await client.fetchQuery(progressQuery("m1"));
    await client.fetchQuery({ ...progressQuery("m1"), staleTime: 0 });
    expect(stale()).toBe(false); // PROCESSING, still PROCESSING: the detail is left alone
    await client.fetchQuery({ ...progressQuery("m1"), staleTime: 0 });
    await vi.waitFor(() => expect(stale()).toBe(true)); // PROCESSING -> READY: read it again
    expect(client.getQueryState(keys.manifests)?.isInvalidated).toBe(true); // the library's cards too
  });

  it("leaves the manifest alone when a page opens on a finished run", async () => {
    const client = new QueryClient();
    client.setQueryData(keys.manifest("m1"), { id: "m1" });
    answers("READY");
    await client.fetchQuery(progressQuery("m1"));
    expect(client.getQueryState(keys.manifest("m1"))?.isInvalidated).toBe(false);
  });

  it("passes the query's signal, so a stale read is aborted", async () => {
    const get = answers("READY");
    await new QueryClient().fetchQuery(progressQuery("m1"));
    expect(get.mock.calls[0][1]).toHaveProperty("signal");
    expect((get.mock.calls[0][1] as { signal: unknown }).signal).toBeInstanceOf(AbortSignal);
  });
});

describe("inRunOrder", () => {
  it("orders the steps as the server's rules do, any other step last", () => {
    const steps = { tags: 1, extra: 2, detection: 3, contact_sheet: 4, faces: 5 };
    expect(inRunOrder(steps, SERVED_RULES.steps).map(([name]) => name)).toEqual(["detection", "faces", "tags", "contact_sheet", "extra"]);
  });
  it("follows the order it is given, not one of its own", () => {
    expect(inRunOrder({ a: 1, b: 2, c: 3 }, ["c", "a", "b"]).map(([name]) => name)).toEqual(["c", "a", "b"]);
  });
});

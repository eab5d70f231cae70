import { QueryClient } from "@tanstack/react-query";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ok, refused } from "../api/answers.fixture";
import { api } from "../api/client";
import { SERVED_RULES } from "../api/config.fixture";
import { PROJECT_POLL_MS, projectQuery, snapshotQuery } from "./queries";

afterEach(() => vi.restoreAllMocks());

describe("a project", () => {
  const interval = projectQuery("p1", SERVED_RULES.terminal_project_statuses).refetchInterval as (q: {
    state: { data?: { status?: string } };
  }) => number | false;

  it("is polled until the server calls its status terminal", () => {
    expect(interval({ state: { data: { status: "pending" } } })).toBe(PROJECT_POLL_MS);
    expect(interval({ state: { data: { status: "running" } } })).toBe(PROJECT_POLL_MS);
    for (const status of ["complete", "failed", "stopped"]) expect(interval({ state: { data: { status } } })).toBe(false);
  });

  it("follows the statuses it is given, not a list of its own", () => {
    const only = projectQuery("p1", ["complete"]).refetchInterval as typeof interval;
    expect(only({ state: { data: { status: "stopped" } } })).toBe(PROJECT_POLL_MS);
  });
});

describe("a fork's snapshot", () => {
  it("is asked again while its run settles (409), then kept: it never changes", async () => {
    const get = vi.spyOn(api, "GET");
    get.mockResolvedValueOnce(refused(409, "the run is PROCESSING") as never);
    get.mockResolvedValueOnce(ok({ snapshot_id: "s1" }) as never);
    const client = new QueryClient();
    const read = await client.fetchQuery({ ...snapshotQuery("p1", "s1"), retryDelay: 0 });
    expect(read).toEqual({ snapshot_id: "s1" });
    expect(get).toHaveBeenCalledTimes(2);
    expect(snapshotQuery("p1", "s1").staleTime).toBe(Infinity);
  });

  it("is not asked again for another refusal", async () => {
    vi.spyOn(api, "GET").mockResolvedValue(refused(404, "no snapshot") as never);
    await expect(new QueryClient().fetchQuery({ ...snapshotQuery("p1", "s1"), retryDelay: 0 })).rejects.toThrow("no snapshot");
    expect(api.GET).toHaveBeenCalledTimes(1);
  });
});

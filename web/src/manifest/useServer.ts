// A server read kept fresh: read on mount and on demand, and every `pollMs` while `keepPolling`
// says so (a run in progress). What is shown is always the server's answer.
import { useCallback, useEffect, useState } from "react";

export function useServer<T>(read: () => Promise<{ data?: T; message?: string }>, keepPolling: (t: T) => boolean, pollMs = 1500) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(async () => {
    const answer = await read();
    if (answer.data !== undefined) {
      setData(answer.data);
      setError(null);
    } else setError(answer.message ?? "The service could not be reached.");
  }, [read]);

  useEffect(() => {
    void reload();
  }, [reload]);

  const polling = data !== null && keepPolling(data);
  useEffect(() => {
    if (!polling) return;
    const timer = window.setInterval(() => void reload(), pollMs);
    return () => window.clearInterval(timer);
  }, [polling, pollMs, reload]);

  return { data, error, reload };
}

// The studio's one cache of server reads (TanStack Query).
import { QueryClient } from "@tanstack/react-query";

export const queryClient = new QueryClient({
  defaultOptions: {
    // A failure is shown at once, as its message (the server says why; a retry would only delay it),
    // and a page re-reads on mount and when a write invalidates it, not on every window focus.
    queries: { retry: false, refetchOnWindowFocus: false },
    mutations: { retry: false },
  },
});

// Face search: a photo is sent (the route takes JSON or a multipart upload; this is the upload), so
// it is a mutation: its answer is the page's, not a cached read, and it changes nothing to read again.
import { useMutation } from "@tanstack/react-query";
import { must } from "../api/answers";
import { api } from "../api/client";
import { multipart } from "../api/multipart";

export function useFaceSearchMutation() {
  return useMutation({
    mutationFn: (file: File) => must(api.POST("/api/faces/search", multipart<{ file: string }>({ file }))),
  });
}

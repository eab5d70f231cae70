// For tests: openapi-fetch's answers, without a server.
export const ok = (data: unknown) => ({ data, response: new Response(null, { status: 200 }) });
export const refused = (status: number, message: string) => ({
  error: { error: { code: "refused", message } },
  response: new Response(null, { status }),
});

// An engine job followed until it ends (Cloud Tasks runs it; its state lives in Firestore).
import { api, type Schemas } from "../api/client";

export async function waitForJob(taskId: string, onStatus: (job: Schemas["JobOut"]) => void, timeoutMs = 300_000): Promise<Schemas["JobOut"] | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { data } = await api.GET("/api/jobs/{task_id}", { params: { path: { task_id: taskId } } });
    if (data) {
      onStatus(data);
      if (data.status === "DONE" || data.status === "ERROR") return data;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  return null;
}

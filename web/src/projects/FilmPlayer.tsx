import { useRef, useState } from "react";
import type { Schemas } from "../api/client";
import { clock, counted } from "../ui/words";

type Project = Schemas["ProjectDetail"];

/** Where each scene starts in the cut: the scenes' lengths added up in order. */
export function sceneStarts(scenes: Schemas["Scene"][]): { index: number; start: number; text: string }[] {
  let at = 0;
  return [...scenes]
    .sort((a, b) => a.index - b.index)
    .map((s) => {
      const start = at;
      at += s.duration_s ?? 0;
      return { index: s.index, start, text: s.storyboard_text ?? "" };
    });
}

/** The cut in a player, its scenes beside it (choosing one plays the film from there), and a download. */
export function FilmPlayer({ project, title }: { project: Project; title: string }) {
  const video = useRef<HTMLVideoElement>(null);
  const [now, setNow] = useState(0);
  const starts = sceneStarts(project.scenes);
  const playing = starts.filter((s) => s.start <= now + 0.05).length - 1; // the scene the film is in
  if (!project.final_video_url) return null;
  function seek(start: number) {
    if (!video.current) return;
    video.current.currentTime = start;
    void video.current.play().catch(() => undefined); // a browser may refuse to play unasked: it still shows the scene
  }
  return (
    <section aria-label="The film" className="film">
      <h2>The film</h2>
      <div className="film-body">
        <video
          ref={video}
          className="film-video"
          src={project.final_video_url}
          poster={project.poster_url ?? undefined}
          controls
          preload="metadata"
          aria-label={`${title}, the film`}
          onTimeUpdate={(e) => setNow(e.currentTarget.currentTime)}
        />
        <ol className="film-scenes" aria-label="Scenes of the film">
          {starts.map((s, i) => (
            <li key={s.index}>
              <button type="button" aria-current={i === playing ? "true" : undefined} onClick={() => seek(s.start)}>
                <span className="at">{clock(s.start)}</span> Scene {counted(s.index)}
                {s.text && <span className="scene-words">{s.text}</span>}
              </button>
            </li>
          ))}
        </ol>
      </div>
      <p>
        <a href={project.final_video_url} download={`${title}.mp4`}>
          Download the film
        </a>
        {project.duration_s ? <span className="meta"> · {clock(project.duration_s)}</span> : null}
      </p>
    </section>
  );
}

import { type DragEvent, type ReactNode, useState } from "react";

/** Files dropped here reach `onFiles`; the children carry the keyboard way in (a file input). */
export function DropZone({ label, onFiles, children }: { label: string; onFiles: (files: File[]) => void; children: ReactNode }) {
  const [over, setOver] = useState(false);
  return (
    <section
      aria-label={label}
      className={`dropzone${over ? " over" : ""}`}
      onDragOver={(e: DragEvent) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e: DragEvent) => {
        e.preventDefault();
        setOver(false);
        onFiles([...e.dataTransfer.files]);
      }}
    >
      {children}
    </section>
  );
}

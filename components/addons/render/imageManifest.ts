/**
 * The images of the cluster network and the add-ons, for the artifact manifest (`npm run
 * artifacts`): the same pins the renderers build their values from (chartImages.ts,
 * images.ts, network/images.ts), so the manifest lists exactly what the cluster pulls.
 */
import type { PlatformSpec } from "../../../stacks/contract/spec";
import { calicoImages } from "../../network/images";
import { addonImages } from "./chartImages";
import type { ImagePin } from "./images";

/** Every pin of Calico and the add-ons, disabled features included (see ImagePin.runs). */
export function allImagePins(spec: PlatformSpec): ImagePin[] {
  const calico = calicoImages(spec);
  return [calico.operator, calico.calicoctl, ...calico.runtime, ...addonImages(spec)];
}

/** One image the mirror must hold, with everything that runs it. */
export interface RequiredImage {
  readonly source: string;
  readonly image: string;
  /** `owner/name` of each pin that runs it. */
  readonly usedBy: readonly string[];
}

/** The images the configured cluster runs, one entry per mirror reference, sorted. */
export function requiredImages(spec: PlatformSpec): RequiredImage[] {
  const byImage = new Map<string, { source: string; usedBy: string[] }>();
  for (const pin of allImagePins(spec)) {
    if (!pin.runs) continue;
    const entry = byImage.get(pin.image) ?? { source: pin.source, usedBy: [] };
    entry.usedBy.push(`${pin.owner}/${pin.name}`);
    byImage.set(pin.image, entry);
  }
  return [...byImage.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([image, { source, usedBy }]) => ({ source, image, usedBy }));
}

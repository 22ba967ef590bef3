/**
 * Storage: the Gluster volume's dispersed geometry survives `redundancy` brick losses only
 * when 2 * redundancy < disperse (Gluster itself accepts worse layouts with a warning),
 * checked on the rendered volume command; project data is retained when a claim goes.
 */
import { asString, documents, label } from "./text";
import type { ResourceRule, Violation } from "./types";

/** A dispersed-volume geometry found in a text. */
export interface Geometry {
  readonly volume: string;
  readonly disperse: number;
  readonly redundancy: number;
}

/** Geometries of `gluster volume create ... disperse N redundancy M` commands, or of the volume script's parameters. */
export function glusterGeometries(text: string): Geometry[] {
  const out: Geometry[] = [];
  for (const m of text.matchAll(/volume\s+create\s+(\S+)\s+disperse\s+(\d+)\s+redundancy\s+(\d+)/g)) {
    out.push({ volume: m[1], disperse: Number(m[2]), redundancy: Number(m[3]) });
  }
  if (out.length === 0 && /gluster/.test(text)) {
    const disperse = /^DISPERSE=['"]?(\d+)/m.exec(text)?.[1];
    const redundancy = /^REDUNDANCY=['"]?(\d+)/m.exec(text)?.[1];
    const volume = /^VOLUME=['"]?([^'"\s]+)/m.exec(text)?.[1] ?? "?";
    if (disperse !== undefined && redundancy !== undefined)
      out.push({ volume, disperse: Number(disperse), redundancy: Number(redundancy) });
  }
  return out;
}

/** Gluster dispersed volumes: 1 <= redundancy and 2 * redundancy < disperse. */
export const glusterGeometry: ResourceRule = {
  scope: "resource",
  name: "gluster-disperse-geometry",
  description: "Gluster dispersed volumes have redundancy >= 1 and 2 * redundancy < disperse.",
  level: "mandatory",
  fix: "Set storage.glusterfs.disperse and redundancy so that 2 * redundancy < disperse (e.g. disperse 4 with redundancy 1, or disperse 6 with redundancy 2).",
  check(r) {
    const out: Violation[] = [];
    const seen = new Set<string>();
    for (const doc of documents(r)) {
      for (const g of glusterGeometries(doc.text)) {
        if (g.redundancy >= 1 && 2 * g.redundancy < g.disperse) continue;
        const key = `${g.volume}/${g.disperse}/${g.redundancy}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({
          policy: this.name,
          urn: r.urn,
          message: `${label(r)}: Gluster volume ${g.volume} has disperse ${g.disperse}, redundancy ${g.redundancy}; needs redundancy >= 1 and 2 * redundancy < disperse. Fix: set storage.glusterfs.disperse/redundancy accordingly (e.g. disperse 6 with redundancy 2).`,
        });
      }
    }
    return out;
  },
};

export const STORAGE_CLASS_TYPE = "kubernetes:storage.k8s.io/v1:StorageClass";

/** StorageClasses keep project data when a claim is deleted (advisory). */
export const storageClassRetain: ResourceRule = {
  scope: "resource",
  name: "storageclass-retain",
  description: "StorageClasses for project data use reclaimPolicy Retain.",
  level: "advisory",
  fix: "Set storage.glusterfs.storageClass.reclaimPolicy: Retain (the StorageClass's reclaimPolicy).",
  check(r) {
    if (r.type !== STORAGE_CLASS_TYPE) return [];
    const policy = asString(r.props.reclaimPolicy) ?? "Delete";
    if (policy === "Retain") return [];
    return [
      {
        policy: this.name,
        urn: r.urn,
        message: `${label(r)}: reclaimPolicy is ${policy}, so deleting a claim deletes the project's data. Fix: set reclaimPolicy: Retain (storage.glusterfs.storageClass.reclaimPolicy).`,
      },
    ];
  },
};

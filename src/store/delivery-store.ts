import type { SqliteDatabase } from "./database.js";

export type DeliveryStore = ReturnType<typeof createDeliveryStore>;

/** Webhook delivery ids seen, so that a redelivered webhook starts nothing twice. */
export function createDeliveryStore(db: SqliteDatabase, now: () => Date = () => new Date()) {
  const insert = db.prepare(`INSERT OR IGNORE INTO deliveries (id, event, received_at) VALUES (?, ?, ?)`);
  return {
    /** True the first time a delivery id is seen, false for a redelivery. */
    recordDelivery(id: string, event: string): boolean {
      return insert.run(id, event, now().toISOString()).changes === 1;
    },
  };
}

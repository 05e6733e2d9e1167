/** What the orders module offers other modules. */

export interface OutstandingQuantityQuery {
  sku: string;
  /** When the catalog last read this item's stock from Zoho (epoch ms). */
  stockSeenAt: number;
}

/**
 * Quantities the bridge has promised that Zoho's figure does not show yet:
 * open reservations, plus orders pushed to Zoho after the catalog's last read
 * of that item. The catalog subtracts them from Zoho's figure.
 */
export interface ReservationsReader {
  outstandingBySku(query: OutstandingQuantityQuery[]): Promise<Map<string, number>>;
}

/** A reader that reserves nothing: for catalog tests and tools that run without orders. */
export const noReservations: ReservationsReader = {
  async outstandingBySku() {
    return new Map();
  },
};

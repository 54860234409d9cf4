ALTER TABLE "audit_events" ALTER COLUMN "prev_hash" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_events" ALTER COLUMN "hash" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "chain_seq" bigint;--> statement-breakpoint
CREATE UNIQUE INDEX "audit_events_chain_seq_key" ON "audit_events" USING btree ("chain_seq");--> statement-breakpoint
CREATE INDEX "audit_events_unsealed" ON "audit_events" USING btree ("seq") WHERE chain_seq IS NULL;--> statement-breakpoint
-- Append-only still, with one exception: sealing, the single update an event ever gets, which
-- fills chain_seq, prev_hash and hash of an unsealed event and changes nothing else.
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF OLD.chain_seq IS NULL AND NEW.chain_seq IS NOT NULL AND NEW.hash IS NOT NULL AND NEW.prev_hash IS NOT NULL
       AND (NEW.seq, NEW.id, NEW.at, NEW.actor_id, NEW.actor_role, NEW.action, NEW.entity_type, NEW.entity_id, NEW.summary, NEW.request_id)
           IS NOT DISTINCT FROM
           (OLD.seq, OLD.id, OLD.at, OLD.actor_id, OLD.actor_role, OLD.action, OLD.entity_type, OLD.entity_id, OLD.summary, OLD.request_id)
    THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
-- Events written before this migration were chained in seq order: their positions are their seqs.
UPDATE "audit_events" SET "chain_seq" = "seq" WHERE "chain_seq" IS NULL AND "hash" IS NOT NULL;

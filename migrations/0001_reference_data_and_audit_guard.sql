-- The four partner city networks exist from the first migration (API.md: GET /networks).
INSERT INTO "networks" ("code", "name") VALUES
  ('MMC', 'Mayors Migration Council'),
  ('Metropolis', 'Metropolis'),
  ('UCLG', 'United Cities and Local Governments'),
  ('GPM', 'Global Parliament of Mayors')
ON CONFLICT ("code") DO NOTHING;
--> statement-breakpoint
-- The audit log is append-only: the service never updates or deletes an event. Whoever bypasses
-- this guard (a superuser disabling the trigger) is still caught by GET /audit/verify.
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER audit_events_no_update_or_delete
  BEFORE UPDATE OR DELETE ON "audit_events"
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

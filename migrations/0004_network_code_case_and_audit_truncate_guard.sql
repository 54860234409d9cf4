CREATE UNIQUE INDEX "networks_code_lower_key" ON "networks" USING btree (lower("code"));--> statement-breakpoint
-- A row trigger does not fire on TRUNCATE: refuse it with a statement trigger too.
CREATE TRIGGER audit_events_no_truncate
  BEFORE TRUNCATE ON "audit_events"
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

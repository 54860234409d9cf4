CREATE TABLE "document_signing_certificates" (
	"fingerprint" text PRIMARY KEY NOT NULL,
	"certificate_pem" text NOT NULL,
	"private_key_pem" text,
	"source" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"retired_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX "document_signing_certificates_one_active_generated" ON "document_signing_certificates" USING btree ("source") WHERE source = 'generated' AND retired_at IS NULL;
CREATE TABLE "action_areas" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version_id" uuid NOT NULL,
	"key" text NOT NULL,
	"position" integer NOT NULL,
	"title" jsonb NOT NULL,
	"description" jsonb NOT NULL,
	"commitments" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"gcm_objectives" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"gcr_areas" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"sdg_targets" jsonb DEFAULT '[]'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pledge_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"pledge_id" uuid NOT NULL,
	"number" integer NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"preamble" jsonb NOT NULL,
	"revision" integer DEFAULT 1 NOT NULL,
	"copied_from" integer,
	"content_hash" text,
	"frozen_at" timestamp with time zone,
	"published_at" timestamp with time zone,
	"publish_override_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pledges" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"title" jsonb NOT NULL,
	"require_mandate_document" boolean DEFAULT false NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pledges_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
CREATE TABLE "round_comments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"round_id" uuid NOT NULL,
	"network_id" uuid NOT NULL,
	"author_id" uuid,
	"area_key" text,
	"body" text NOT NULL,
	"late" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolution_status" text,
	"resolution_response" text,
	"resolved_by" uuid,
	"resolved_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "round_networks" (
	"round_id" uuid NOT NULL,
	"network_id" uuid NOT NULL,
	"verdict" text,
	"summary" text,
	"late" boolean DEFAULT false NOT NULL,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	CONSTRAINT "round_networks_round_id_network_id_pk" PRIMARY KEY("round_id","network_id")
);
--> statement-breakpoint
CREATE TABLE "validation_rounds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version_id" uuid NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"deadline" timestamp with time zone NOT NULL,
	"outcome" text,
	"forced" boolean DEFAULT false NOT NULL,
	"opened_by" uuid,
	"opened_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_by" uuid,
	"closed_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "action_areas" ADD CONSTRAINT "action_areas_version_id_pledge_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."pledge_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pledge_versions" ADD CONSTRAINT "pledge_versions_pledge_id_pledges_id_fk" FOREIGN KEY ("pledge_id") REFERENCES "public"."pledges"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pledges" ADD CONSTRAINT "pledges_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "round_comments" ADD CONSTRAINT "round_comments_round_id_validation_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."validation_rounds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "round_comments" ADD CONSTRAINT "round_comments_network_id_networks_id_fk" FOREIGN KEY ("network_id") REFERENCES "public"."networks"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "round_comments" ADD CONSTRAINT "round_comments_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "round_comments" ADD CONSTRAINT "round_comments_resolved_by_users_id_fk" FOREIGN KEY ("resolved_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "round_networks" ADD CONSTRAINT "round_networks_round_id_validation_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."validation_rounds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "round_networks" ADD CONSTRAINT "round_networks_network_id_networks_id_fk" FOREIGN KEY ("network_id") REFERENCES "public"."networks"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "round_networks" ADD CONSTRAINT "round_networks_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "validation_rounds" ADD CONSTRAINT "validation_rounds_version_id_pledge_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."pledge_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "validation_rounds" ADD CONSTRAINT "validation_rounds_opened_by_users_id_fk" FOREIGN KEY ("opened_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "validation_rounds" ADD CONSTRAINT "validation_rounds_closed_by_users_id_fk" FOREIGN KEY ("closed_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "action_areas_version_key" ON "action_areas" USING btree ("version_id","key");--> statement-breakpoint
CREATE INDEX "action_areas_version_position" ON "action_areas" USING btree ("version_id","position");--> statement-breakpoint
CREATE UNIQUE INDEX "pledge_versions_pledge_number_key" ON "pledge_versions" USING btree ("pledge_id","number");--> statement-breakpoint
CREATE UNIQUE INDEX "pledge_versions_one_published" ON "pledge_versions" USING btree ("pledge_id") WHERE status = 'published';--> statement-breakpoint
CREATE INDEX "round_comments_round" ON "round_comments" USING btree ("round_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "validation_rounds_one_open" ON "validation_rounds" USING btree ("version_id") WHERE status = 'open';--> statement-breakpoint
CREATE INDEX "validation_rounds_version" ON "validation_rounds" USING btree ("version_id");
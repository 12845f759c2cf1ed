ALTER TABLE "invitations" ADD COLUMN "workos_event_id" text;--> statement-breakpoint
ALTER TABLE "organization_memberships" ADD COLUMN "workos_event_id" text;--> statement-breakpoint
ALTER TABLE "organization_memberships" ADD COLUMN "sweep_run" text;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "deleted_domains" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "workos_event_id" text;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "sweep_run" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "workos_event_id" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "sweep_run" text;
CREATE TABLE "invitations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workos_invitation_id" text NOT NULL,
	"workos_org_id" text,
	"email" text NOT NULL,
	"state" text NOT NULL,
	"role_slug" text,
	"inviter_workos_user_id" text,
	"accepted_workos_user_id" text,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"accepted_at" timestamp (3) with time zone,
	"revoked_at" timestamp (3) with time zone,
	"workos_created_at" timestamp (3) with time zone NOT NULL,
	"workos_updated_at" timestamp (3) with time zone NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "invitations_workos_invitation_id_unique" UNIQUE("workos_invitation_id")
);
--> statement-breakpoint
CREATE INDEX "invitations_workos_org_id_state_idx" ON "invitations" USING btree ("workos_org_id","state");
-- Custom migration (drizzle-kit cannot express extensions or exclusion constraints).
-- Double booking is impossible in the database itself: two booked appointments
-- of one resource may not share any instant. Ranges are half-open ('[)') so
-- back-to-back slots (10:00-10:30, 10:30-11:00) are allowed; cancelled rows
-- are outside the constraint. btree_gist lets the text column take part in a
-- GiST index (`resource WITH =`); it is a trusted extension, so a database
-- owner without superuser rights can create it (PostgreSQL 13+, RDS, Aurora).
CREATE EXTENSION IF NOT EXISTS btree_gist;
--> statement-breakpoint
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_no_overlap"
  EXCLUDE USING gist ("resource" WITH =, tstzrange("starts_at", "ends_at", '[)') WITH &&)
  WHERE ("status" = 'booked');

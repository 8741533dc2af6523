from django.db import migrations

# A registration's use of its token (agents/services/registration_sql.py calls it from its
# one statement): lock the token's row, count the machine against the use limit, count the
# registration. Done in a function so that each of its statements takes its own snapshot:
# the UPDATE reads the row after the lock is held, so it never re-checks a newer version.
# In the registration statement itself, a token row updated by a parallel registration
# after the statement's snapshot (every registration of a fleet script, one token) made
# PostgreSQL re-check the row twice (FOR UPDATE, then UPDATE), and each re-check starts
# every part of that large statement again: about a third of its database CPU under 8
# parallel registrations (docs/scaling.md, "A sixth round").
#
# Answers (live, used, fresh): the token is active (not deleted, not expired at `at`); its
# use was counted (a machine it registered before, or a new one within the limit); the
# machine is new to it (a `tokens_tokenmachine` row inserted, `machines` grown by one).
# A used-up token (live, not used) and an inactive one (not live) write nothing.
TAKE_USE = """
CREATE FUNCTION tokens_take_use(token bigint, machine varchar, at timestamptz)
RETURNS TABLE (live boolean, used boolean, fresh boolean) LANGUAGE plpgsql AS $$
DECLARE
    held record;
    is_new boolean := false;
BEGIN
    SELECT r.machines, r.max_machines INTO held FROM public.tokens_registrationtoken r
     WHERE r.id = token AND r.deleted_at IS NULL AND r.expires_at > at FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT false, false, false;
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM public.tokens_tokenmachine m
                    WHERE m.token_id = token AND m.machine_id = machine) THEN
        IF held.max_machines IS NOT NULL AND held.machines >= held.max_machines THEN
            RETURN QUERY SELECT true, false, false;
            RETURN;
        END IF;
        INSERT INTO public.tokens_tokenmachine (token_id, machine_id, registered_at)
        VALUES (token, machine, at) ON CONFLICT (token_id, machine_id) DO NOTHING;
        is_new := FOUND;
    END IF;
    UPDATE public.tokens_registrationtoken r
       SET registrations = r.registrations + 1, last_used_at = at,
           machines = r.machines + is_new::int
     WHERE r.id = token;
    RETURN QUERY SELECT true, true, is_new;
END $$;
"""

DROP = "DROP FUNCTION IF EXISTS tokens_take_use(bigint, varchar, timestamptz);"


class Migration(migrations.Migration):
    dependencies = [("tokens", "0013_token_paths")]

    operations = [migrations.RunSQL(TAKE_USE, DROP)]

#!/usr/bin/env bash
# A stand-in executor for dispatcher tests: it records its own launch, then
# claims and ends the attempt with the same guarded updates as the real one,
# in two psql calls instead of a Node start. The execution's input picks a
# behaviour: {"mode": "ok"|"fail"|"hang"|"crash_before_claim"|"crash_after_claim"|"crash_first_attempt", "ms": N}
set -euo pipefail
[[ "$EXECUTION_ID" =~ ^[0-9a-f-]{36}$ && "$EXECUTION_ATTEMPT" =~ ^[0-9]+$ ]] || exit 2
id="$EXECUTION_ID"
attempt="$EXECUTION_ATTEMPT"
sql() { psql "$DATABASE_URL" -qtAX -v ON_ERROR_STOP=1 -c "$1"; }

IFS='|' read -r mode ms claimed < <(sql "
  WITH marker AS (INSERT INTO test_launches (execution_id, attempt, pid) VALUES ('$id', $attempt, $$)),
  wanted AS (
    SELECT coalesce(input->>'mode', 'ok') AS mode, coalesce(input->>'ms', '0') AS ms FROM executions WHERE id = '$id'
  ),
  claim AS (
    UPDATE executions SET status = 'running', status_reason = 'claimed by executor', started_at = now(), heartbeat_at = now(), updated_at = now()
    WHERE id = '$id' AND attempt = $attempt AND status IN ('dispatching', 'starting')
      AND (SELECT mode FROM wanted) <> 'crash_before_claim'
      AND NOT ((SELECT mode FROM wanted) = 'crash_first_attempt' AND $attempt = 1)
    RETURNING 1
  )
  SELECT mode, ms, (SELECT count(*) FROM claim) FROM wanted;")
[[ "$ms" =~ ^[0-9]+$ ]] || ms=0
if [[ "$claimed" != 1 ]]; then
  [[ "$mode" == crash_before_claim || "$mode" == crash_first_attempt ]] && exit 3
  exit 0
fi
[[ "$mode" == crash_after_claim ]] && exit 3
if [[ "$mode" == hang ]]; then exec sleep 600; fi

if [[ "$mode" == fail ]]; then ending="status = 'failed', status_reason = 'StepFailed', error = '{\"reason\":\"StepFailed\",\"message\":\"asked to fail\"}'"
else ending="status = 'succeeded', status_reason = 'workflow completed'"; fi
sql "SELECT pg_sleep($ms / 1000.0);
  UPDATE executions SET $ending, finished_at = now(), updated_at = now() WHERE id = '$id' AND attempt = $attempt AND status = 'running';"
[[ "$mode" == fail ]] && exit 1
exit 0

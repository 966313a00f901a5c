-- Every status change of an execution is recorded and announced in the same
-- transaction that makes it, whichever code path made it: the audit cannot
-- drift from the row, and LISTEN clients (the api's live events) never miss one.
CREATE FUNCTION flow_like_execution_status_changed() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status OR NEW.attempt IS DISTINCT FROM OLD.attempt THEN
    INSERT INTO execution_transitions (execution_id, attempt, from_status, to_status, reason)
    VALUES (NEW.id, NEW.attempt, CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.status END, NEW.status, NEW.status_reason);
    PERFORM pg_notify('flow_like_executions', json_build_object(
      'id', NEW.id, 'projectId', NEW.project_id, 'status', NEW.status, 'attempt', NEW.attempt)::text);
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER executions_status_changed
AFTER INSERT OR UPDATE OF status, attempt ON executions
FOR EACH ROW EXECUTE FUNCTION flow_like_execution_status_changed();

-- Authorization events are now applied in the bus consumer's own batch transaction (@acq/bus batch
-- handler), so the event queue between the consumer and the ledger and its dead-letter table go
-- (a failing event is dead-lettered in the bus dead_letter table). Events still queued, or dead
-- letters an operator has not dealt with, would be money movements lost: the upgrade refuses until
-- the previous version has drained them.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM event_queue) OR EXISTS (SELECT 1 FROM event_dead_letter) THEN
    RAISE EXCEPTION 'event_queue or event_dead_letter still holds events: drain them with the previous settlement version before upgrading';
  END IF;
END $$;

DROP TABLE event_queue;
DROP TABLE event_dead_letter;

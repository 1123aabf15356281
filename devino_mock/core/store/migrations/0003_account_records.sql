-- Per-account state of the services moves from values to keyed records that name their
-- account (a scoped reset finds them by it). IMSI references, kept as values
-- 'imsi:reference:<login>:<number>' (the number is digits), become 'imsi.subscriber' records
-- '<login>:<number>' (store/codec.py tagged JSON of core/services/imsi_lookups.py ImsiRecord,
-- its other fields at their defaults). The
-- 2FA codes and call windows live minutes: the old values are dropped, not moved.
-- String functions only (no JSON1): the login is escaped for JSON by hand.
INSERT OR REPLACE INTO records (kind, key, data)
SELECT 'imsi.subscriber', login || ':' || number,
       '{"$dc":"devino_mock.core.services.imsi_lookups:ImsiRecord","f":{"login":"'
       || replace(replace(login, '\', '\\'), '"', '\"')
       || '","number":"' || number || '","reference":' || value || '}}'
FROM (SELECT substr(prefix, 1, length(prefix) - 1) AS login, substr(rest, length(prefix) + 1) AS number,
             prefix, value
      FROM (SELECT rest, rtrim(rest, '0123456789') AS prefix, value
            FROM (SELECT substr(key, 16) AS rest, value FROM kv WHERE key LIKE 'imsi:reference:%')))
WHERE length(prefix) > 1 AND substr(prefix, length(prefix)) = ':' AND number <> '';
DELETE FROM kv WHERE key LIKE 'imsi:reference:%' OR key LIKE 'twofa:code:%' OR key LIKE 'twofa:calls:%';

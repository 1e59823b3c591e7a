-- syncCoordinator-upgrade: run by RedisSyncCoordinator.open before config-init: a coordinator stored by a
-- version without order leases has a config hash without leaseTtlMs; this writes the opener's leaseTtlMs
-- into it (HSETNX semantics: only when the hash exists and lacks the field), so the config check that follows
-- passes and the first opener of the new version decides the lease. A new coordinator (no hash) is left to
-- config-init.
--
-- KEYS[1] <base>:config
-- ARGV[1] leaseTtlMs (positive integer, ms)
--
-- Reply: {1} when the field was written, {0} otherwise.
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
return {redis.call('HSETNX', KEYS[1], 'leaseTtlMs', ARGV[1])}

// Old public names kept for one release so that existing services keep compiling: each is the new name under
// its old spelling (so `instanceof` still works). Listed in docs/deprecations.md with the version that drops them.

import { ConfigMismatchError, NotInitializedError } from "./shared/errors.js";

/** @deprecated use {@link ConfigMismatchError} (its `machine` is `"claim queue"`); see docs/deprecations.md. */
export const ClaimQueueConfigMismatchError = ConfigMismatchError;
/** @deprecated use {@link ConfigMismatchError}. */
export type ClaimQueueConfigMismatchError = ConfigMismatchError;

/** @deprecated use {@link ConfigMismatchError} (its `machine` is `"keyed mailbox"`); see docs/deprecations.md. */
export const MailboxConfigMismatchError = ConfigMismatchError;
/** @deprecated use {@link ConfigMismatchError}. */
export type MailboxConfigMismatchError = ConfigMismatchError;

/** @deprecated use {@link ConfigMismatchError} (its `machine` is `"sync coordinator"`); see docs/deprecations.md. */
export const SyncCoordinatorConfigMismatchError = ConfigMismatchError;
/** @deprecated use {@link ConfigMismatchError}. */
export type SyncCoordinatorConfigMismatchError = ConfigMismatchError;

/** @deprecated use {@link NotInitializedError} (its `machine` is `"claim queue"`); see docs/deprecations.md. */
export const ClaimQueueNotInitializedError = NotInitializedError;
/** @deprecated use {@link NotInitializedError}. */
export type ClaimQueueNotInitializedError = NotInitializedError;

/** @deprecated use {@link NotInitializedError} (its `machine` is `"sync coordinator"`); see docs/deprecations.md. */
export const SyncCoordinatorNotInitializedError = NotInitializedError;
/** @deprecated use {@link NotInitializedError}. */
export type SyncCoordinatorNotInitializedError = NotInitializedError;

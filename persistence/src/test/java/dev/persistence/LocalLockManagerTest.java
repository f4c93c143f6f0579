package dev.persistence;

/** Runs the lock manager contract against the in-process implementation. */
class LocalLockManagerTest extends LockManagerContract {

    @Override
    protected LockManager newManager() {
        return LockManager.create();
    }
}

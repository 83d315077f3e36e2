package io.starflow.transforms.warehouse;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Orders DDL against writes among the writers of one warehouse in this JVM: a writer holds the
 * shared lock for its whole transaction, DDL (creating a table, adding a column) the exclusive one.
 * Across processes, PostgreSQL serializes DDL with an advisory lock; a DuckDB file belongs to one
 * process.
 */
final class WarehouseLocks {
  private static final ConcurrentHashMap<String, ReentrantReadWriteLock> LOCKS =
      new ConcurrentHashMap<>();

  private WarehouseLocks() {}

  static Lock forWrites(Warehouse warehouse) {
    return lock(warehouse).readLock();
  }

  static Lock forDdl(Warehouse warehouse) {
    return lock(warehouse).writeLock();
  }

  private static ReentrantReadWriteLock lock(Warehouse warehouse) {
    return LOCKS.computeIfAbsent(warehouse.jdbcUrl(), url -> new ReentrantReadWriteLock());
  }
}

import { TASK_FILTERS, type TaskFilter } from "@/lib/task";
import styles from "./FilterTabs.module.css";
import { formatCount, type TabCounts } from "./list-paging";

const LABELS: Record<TaskFilter, string> = { all: "All", pending: "Pending", completed: "Completed" };

interface FilterTabsProps {
  value: TaskFilter;
  /** Left out while the list is loading, rather than showing zeros; a tab whose count is unknown shows none. */
  counts?: TabCounts;
  onChange: (filter: TaskFilter) => void;
}

/** A segmented control choosing which tasks the list shows. */
export function FilterTabs({ value, counts, onChange }: FilterTabsProps) {
  return (
    <div className={styles.group} role="group" aria-label="Show tasks">
      {TASK_FILTERS.map((filter) => (
        <button
          key={filter}
          type="button"
          className={styles.tab}
          aria-pressed={filter === value}
          onClick={() => onChange(filter)}
        >
          {LABELS[filter]}
          {counts && counts[filter] !== null && <span className={styles.count}>{formatCount(counts[filter])}</span>}
        </button>
      ))}
    </div>
  );
}

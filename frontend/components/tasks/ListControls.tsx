"use client";

import { useEffect, useRef, useState } from "react";
import { MAX_SEARCH_LENGTH, normalizeSearch, SORT_LABELS, TASK_SORTS, type TaskSort } from "@/lib/task-list-query";
import styles from "./ListControls.module.css";

/** Typing pauses this long before the list is searched, so a word is one request rather than one a letter. */
export const SEARCH_DEBOUNCE_MS = 250;

interface ListControlsProps {
  /** The search the list shows (from the address bar). */
  search: string;
  sort: TaskSort;
  onSearch: (search: string) => void;
  onSort: (sort: TaskSort) => void;
}

/** The search box and the sort choice above the list. */
export function ListControls({ search, sort, onSearch, onSort }: ListControlsProps) {
  const [text, setText] = useState(search);
  const latest = useRef({ search, onSearch });
  latest.current = { search, onSearch };

  // Back, Forward or a link changed the search: the box follows.
  useEffect(() => {
    setText((typed) => (normalizeSearch(typed) === search ? typed : search));
  }, [search]);

  useEffect(() => {
    if (normalizeSearch(text) === latest.current.search) return;
    const timer = setTimeout(() => latest.current.onSearch(normalizeSearch(text)), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text]);

  return (
    <form
      className={styles.controls}
      role="search"
      onSubmit={(event) => {
        event.preventDefault();
        if (normalizeSearch(text) !== search) onSearch(normalizeSearch(text));
      }}
    >
      <label className="visually-hidden" htmlFor="task-search">
        Search tasks
      </label>
      <input
        id="task-search"
        className={`input ${styles.search}`}
        type="search"
        placeholder="Search tasks"
        autoComplete="off"
        maxLength={MAX_SEARCH_LENGTH}
        value={text}
        onChange={(event) => setText(event.target.value)}
      />
      <label className={styles.sortLabel} htmlFor="task-sort">
        Sort
      </label>
      <select
        id="task-sort"
        className={`input ${styles.sort}`}
        value={sort}
        onChange={(event) => onSort(event.target.value as TaskSort)}
      >
        {TASK_SORTS.map((option) => (
          <option key={option} value={option}>
            {SORT_LABELS[option]}
          </option>
        ))}
      </select>
    </form>
  );
}

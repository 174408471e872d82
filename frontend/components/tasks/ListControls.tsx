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
  // The search this box last asked for: the list coming to show it is no reason to touch what is typed since.
  const sent = useRef(search);

  function send(value: string) {
    sent.current = value;
    latest.current.onSearch(value);
  }

  // Back, Forward or a link changed the search: the box follows.
  useEffect(() => {
    if (search === sent.current) return;
    sent.current = search;
    setText(search);
  }, [search]);

  useEffect(() => {
    if (normalizeSearch(text) === latest.current.search) return;
    const timer = setTimeout(() => send(normalizeSearch(text)), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text]);

  return (
    <form
      className={styles.controls}
      role="search"
      onSubmit={(event) => {
        event.preventDefault();
        if (normalizeSearch(text) !== search) send(normalizeSearch(text));
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

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DEFAULT_QUERY, listQueryParams, parseListQuery, sameQuery, withListQuery } from "@/lib/task-list-query";

describe("the list's view in the address", () => {
  test("a shared link opens the same view", () => {
    const params = withListQuery(new URLSearchParams(), { status: "pending", search: " milk ", sort: "title" });
    assert.equal(params.toString(), "status=pending&q=milk&sort=title");
    assert.deepEqual(parseListQuery(params), { status: "pending", search: "milk", sort: "title" });
  });

  test("the plain list is plain /tasks, and other parameters are kept", () => {
    const params = withListQuery(new URLSearchParams("status=pending&q=x&sort=oldest&ref=mail"), DEFAULT_QUERY);
    assert.equal(params.toString(), "ref=mail");
  });

  test("an unknown tab or sort in an edited link falls back to the default view", () => {
    assert.deepEqual(parseListQuery(new URLSearchParams("status=archived&sort=-id&q=")), DEFAULT_QUERY);
  });

  test("a search is cut at the API's 200 characters rather than refused", () => {
    assert.equal(parseListQuery(new URLSearchParams({ q: "a".repeat(250) })).search.length, 200);
  });

  test("views are the same when tab, search and order are", () => {
    assert.ok(sameQuery(parseListQuery(new URLSearchParams("q=milk")), { ...DEFAULT_QUERY, search: "milk" }));
    assert.ok(!sameQuery(DEFAULT_QUERY, { ...DEFAULT_QUERY, sort: "oldest" }));
  });
});

describe("the API's query for a page", () => {
  test("each sort is the API's ordering; the first page is after= empty", () => {
    const orderings = (["newest", "oldest", "title", "updated"] as const).map(
      (sort) => listQueryParams({ sort }).get("ordering"),
    );
    assert.deepEqual(orderings, ["-created_at", "created_at", "title", "-updated_at"]);
    assert.equal(listQueryParams({}).toString(), "status=all&ordering=-created_at&limit=50&after=");
  });
});

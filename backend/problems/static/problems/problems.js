// Live numbers on problem pages: endorsement counts, the status and a note when someone comments.
(function () {
  "use strict";
  if (!window.ZCLive) return;

  function setEndorsements(problemId, count) {
    document.querySelectorAll('[data-endorsements="' + problemId + '"]').forEach(function (el) {
      el.textContent = String(count);
    });
  }

  const list = document.querySelector("[data-live-community]");
  if (list) {
    window.ZCLive.subscribe("community." + list.dataset.liveCommunity, function (data) {
      if (data.type === "endorsements") setEndorsements(data.problem, data.count);
    }, {
      onSnapshot: function (state) {
        Object.keys(state.endorsements || {}).forEach(function (id) { setEndorsements(id, state.endorsements[id]); });
      },
    });
  }

  const page = document.querySelector("[data-live-problem]");
  if (page) {
    const id = page.dataset.liveProblem;
    const commentCount = page.querySelector("[data-comment-count]");
    const note = page.querySelector("[data-new-comments]");
    let shownComments = commentCount ? Number(commentCount.textContent) : 0;
    function comments(count) {
      if (!commentCount) return;
      commentCount.textContent = String(count);
      if (note && count > shownComments) note.hidden = false;
    }
    window.ZCLive.subscribe("problem." + id, function (data) {
      if (data.type === "endorsements") setEndorsements(id, data.count);
      else if (data.type === "comment" || data.type === "comment_removed") comments(data.count);
      else if (data.type === "problem_status" || data.type === "problem_vote_result") {
        const changed = page.querySelector(data.type === "problem_status" ? "[data-status-changed]" : "[data-vote-result]");
        if (changed) changed.hidden = false;
      }
    }, {
      onSnapshot: function (state) {
        if (state.endorsements !== undefined) setEndorsements(id, state.endorsements);
        if (state.comments !== undefined) comments(state.comments);
      },
    });
  }
})();

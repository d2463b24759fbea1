"""The one gate to conversations (decision 0010). Missing and forbidden both answer 404.

- feedback: `feedback_for_user`, `request_for_user` and Feedback/FeedbackRequest visibility (continuous feedback);
- 1:1s: `one_on_one_for_user`, `meeting_for_user` — the two participants only; private notes their author only;
- plans: `improvement_plan_for_user`, `development_plan_for_user` — the employee, her chain and HR in scope.
"""

from __future__ import annotations

package dev.pgwarden.approvals.slack;

import java.util.List;

import dev.pgwarden.approvals.ApprovalsProfile;

/** The approvals policy with the real decider, announcing in Slack and Teams (local fakes of both). */
public class SlackApprovalsProfile extends ApprovalsProfile {
    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(SlackProfile.Fakes.class));
    }
}

"""Shared fixtures: every test builds its own small warehouse in a temp dir."""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Our own copy of the shared acceptance samples, so a clone alone passes its tests.
SAMPLES = ROOT / "tests" / "samples"

# Lazy sections (st.tabs / st.expander with on_change="rerun": only what is open is computed and drawn), per
# page: (widget key, its states, the default first). Page tests that read everything a page can show render every
# state (`every_view`).
LAZY_VIEWS = {
    "pages/overview.py": [
        ("overview_ranking_table", [False, True]),
        ("overview_view", ["目标与排名", "逐月进展", "调解趋势"]),
    ],
    "pages/submissions.py": [("submissions_detail", [False, True])],
    "pages/mediation.py": [("mediation_industry_view", ["受理与集体争议最多的行业", "行业热力图"])],
}


def every_view(at, page: str):
    """Yield the AppTest `at` (already run) once per state of `page`'s lazy sections: as run, then each other one."""
    yield at
    for key, states in LAZY_VIEWS.get(page, []):
        for state in states[1:]:
            at.session_state[key] = state
            at.run()
            yield at


if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture
def empty_warehouse(tmp_path):
    from warehouse.db import Warehouse

    wh = Warehouse(tmp_path / "wh.duckdb")
    yield wh
    wh.close()


# ------------------------------------------------------------------ markers: the inner loop is `pytest -m "not slow"`
# "slow" = builds a demo warehouse, starts servers or subprocesses, renders pages in AppTest, or took more than 0.3
# second in a measured full run (`pytest --durations=0`, 2 cores). `make test` runs everything; CI too.
SLOW_MODULES = {
    "test_serve.py",
    "test_app_smoke.py",
    "test_security.py",
    "test_hostile.py",
    "test_scope_leaks.py",
    "test_auth_pages.py",
    "test_cli.py",
    "test_samples.py",
    "test_consistency.py",
    "test_lake.py",
    "test_lake_ops.py",
    "test_lake_concurrency.py",
    "test_quack_service.py",
    "test_remote.py",
    "test_brief_docx.py",
    "test_cross_page.py",
    "test_cross_page_exports.py",
    "test_english_on_screen.py",
    "test_quack.py",
    "test_chart_images.py",
}
SLOW_TESTS = {
    "hostile/test_hostile_upload.py::test_a_far_cell_upload_is_refused_while_another_session_keeps_rendering_pages",
    "test_accounts.py::test_a_disabled_account_cannot_sign_in_and_says_so_only_with_the_right_password",
    "test_accounts.py::test_a_success_resets_the_failure_count",
    "test_accounts.py::test_city_accounts_may_be_any_reporting_unit_and_county_accounts_any_county_level_region",
    "test_accounts.py::test_cli_adds_lists_and_disables_accounts",
    "test_accounts.py::test_cli_asks_for_the_password_twice_without_stdin",
    "test_accounts.py::test_cli_demo_accounts_is_idempotent",
    "test_accounts.py::test_cli_validation_errors_are_chinese_with_exit_status_2",
    "test_accounts.py::test_demo_accounts_are_created_once_one_per_role",
    "test_accounts.py::test_every_account_change_is_audited_with_its_actor",
    "test_accounts.py::test_five_wrong_passwords_lock_the_account_for_fifteen_minutes",
    "test_accounts.py::test_no_password_or_hash_reaches_the_audit_log_or_account_listings",
    "test_accounts.py::test_reset_password_unlocks_and_stops_listing_a_demo_account",
    "test_accounts.py::test_resolve_user_scope_uses_the_account",
    "test_accounts.py::test_the_last_enabled_admin_cannot_be_disabled",
    "test_auth_scoping.py::test_detail_rows_follow_the_viewers_detail_regions",
    "test_backup.py::test_a_backup_folder_is_0700_and_its_files_0600_whatever_the_umask",
    "test_backup.py::test_a_second_backup_into_a_used_folder_is_refused_in_chinese",
    "test_backup.py::test_restore_backup_is_refused_while_another_process_holds_the_warehouse",
    "test_backup.py::test_restore_backup_replaces_a_damaged_file_and_keeps_it_aside",
    "test_brief.py::test_build_for_a_unit",
    "test_build.py::test_a_settings_change_rebuilds_the_serving_tables_on_the_next_open",
    "test_build.py::test_serving_tables_refreshed_by_loads_restores_and_reviews_equal_a_whole_rebuild",
    "test_compare.py::test_a_long_sheet_no_longer_reported_is_one_line",
    "test_compare.py::test_against_a_baseline_per_region",
    "test_compare.py::test_changed_cells_of_a_wide_sheet",
    "test_compare.py::test_history_page_lists_compares_and_restores",
    "test_compare.py::test_identical_versions_have_no_changes",
    "test_compare.py::test_many_changes_are_summarised_per_region_and_sheet",
    "test_compare.py::test_rows_added_and_removed_and_a_first_report",
    "test_coverage.py::test_page_drill_down_sets_the_global_region",
    "test_coverage.py::test_page_on_empty_warehouse",
    "test_coverage.py::test_page_province_view",
    "test_coverage.py::test_unit_rates_are_sums_of_numerators_and_denominators",
    "test_db.py::test_a_file_held_by_another_process_is_busy_in_chinese_with_its_process_id",
    "test_db.py::test_read_only_opening_shares_the_file_with_another_read_only_process",
    "test_db.py::test_the_exclusive_lock_is_refused_while_any_process_has_the_file_open",
    "test_db.py::test_waiting_opens_the_file_once_the_holder_lets_go",
    "test_demo.py::test_demo_dates_no_load_after_its_now",
    "test_demo.py::test_scaled_demo_before_the_campaign_is_the_simulation_shifted_back_in_whole_years",
    "test_demo.py::test_scaled_demo_repeats_the_province_with_synthetic_codes_and_typed_flags",
    "test_demo_data.py::test_b_campaign_ramp_and_laggards",
    "test_disputes.py::test_incidents_in_their_state_at_the_end_of_the_range",
    "test_disputes.py::test_page_deep_link_with_status_filter",
    "test_extensions.py::test_load_brings_quack_with_httpfs_and_ducklake_with_postgres",
    "test_formdefs.py::test_template_has_a_header_cell_for_every_column",
    "test_geo.py::test_renders_offline",
    "test_ingest.py::test_hostile_upload_names_are_archived_and_stored_safely",
    "test_ledger.py::test_page_drill_down_province_to_unit",
    "test_load.py::test_a_load_is_never_dated_after_now",
    "test_load.py::test_backup_and_restore_backup_round_trip",
    "test_load.py::test_money_keeps_two_places",
    "test_load.py::test_one_transaction_per_file",
    "test_load.py::test_rejected_file_changes_no_view",
    "test_load.py::test_restore_makes_the_first_version_current_again",
    "test_load.py::test_roll_up_identities",
    "test_load.py::test_submission_due_day_default_is_the_10th",
    "test_load.py::test_submission_statuses_with_the_configured_due_day",
    "test_load.py::test_supersede_is_per_region_form_and_period",
    "test_load.py::test_supersede_shows_the_second_load_and_history_lists_both",
    "test_load.py::test_versions_are_ordered_by_load_sequence_not_by_their_dates",
    "test_parser.py::test_expanding_beyond_200_mb",
    "test_queries.py::test_a_page_query_sees_each_load_at_once_and_never_writes",
    "test_queries.py::test_trend_of_a_unit_sums_its_regions_and_recomputes_the_rates",
    "test_review.py::test_a_city_upload_goes_to_the_province",
    "test_review.py::test_a_cli_load_without_a_record_is_routed_by_its_regions",
    "test_review.py::test_a_county_upload_is_pending_at_its_city",
    "test_review.py::test_a_note_for_dashboards_names_the_figures_awaiting_review",
    "test_review.py::test_a_resubmission_supersedes_the_returned_upload",
    "test_review.py::test_a_superseded_pending_upload_leaves_the_queue",
    "test_review.py::test_approval_makes_the_upload_the_approved_figures_and_is_audited",
    "test_review.py::test_dashboards_mark_figures_awaiting_review",
    "test_review.py::test_only_approved_versions_can_be_restored_by_admin_or_the_owning_city",
    "test_review.py::test_only_the_right_reviewer_may_act",
    "test_review.py::test_pending_figures_do_not_count_until_approved_when_configured",
    "test_review.py::test_return_shows_the_reason_to_the_county",
    "test_review.py::test_returned_figures_leave_the_dashboards_for_the_last_approved_ones",
    "test_review.py::test_returned_figures_without_approved_ones_leave_nothing",
    "test_review.py::test_the_province_sees_uploads_addressed_to_it_first",
    "test_review.py::test_the_review_page_approval",
    "test_review.py::test_the_review_page_approves_and_returns",
    "test_review.py::test_the_upload_page_shows_the_county_its_returned_upload",
    "test_rules.py::test_rule_failing_case",
    "test_runtime.py::test_a_damaged_warehouse_file_shows_a_chinese_page_naming_it_and_restore_backup",
    "test_runtime.py::test_a_warehouse_held_by_another_process_shows_a_chinese_page",
    "test_service_jobs.py::test_a_clerk_does_not_get_the_run_buttons_or_the_failure_banner",
    "test_service_jobs.py::test_a_failed_job_is_shown_to_the_administrator_on_the_settings_page",
    "test_service_jobs.py::test_a_failing_job_is_recorded_and_does_not_raise",
    "test_service_jobs.py::test_a_job_run_on_demand_is_recorded_in_the_audit_log",
    "test_service_jobs.py::test_the_nightly_backup_restores_to_a_warehouse_whose_views_equal_the_original",
    "test_service_jobs.py::test_the_reminder_list_names_each_unit_and_the_forms_it_has_not_reported",
    "test_service_jobs.py::test_the_scheduler_registers_every_job_with_the_times_of_the_config",
    "test_service_sessions.py::test_disabling_or_resetting_an_account_revokes_its_cookie_sessions",
    "test_service_web.py::test_demo_accounts_refuse_the_start_unless_started_as_a_demo",
    "test_service_web.py::test_logout_needs_the_sessions_token_and_revokes_the_session_on_the_server",
    "test_service_web.py::test_request_and_login_logs_are_json_lines_without_passwords",
    "test_service_web.py::test_signing_in_sets_an_httponly_samesite_cookie_and_returns_to_the_page",
    "test_service_web.py::test_wrong_passwords_lock_the_account_and_are_audited_as_before",
    "test_signal_loop.py::test_a_signal_outside_the_scope_shows_nothing",
    "test_signal_loop.py::test_acknowledge_then_close_with_history_and_audit",
    "test_signal_loop.py::test_action_text_is_required_and_the_order_is_enforced",
    "test_signal_loop.py::test_evidence_rows_in_chinese_with_the_employer_as_text",
    "test_signal_loop.py::test_heat_has_a_row_per_unit_and_trend_counts_months",
    "test_signal_loop.py::test_only_the_responsible_unit_and_administrators_may_act",
    "test_signal_loop.py::test_open_counts_and_lists_stay_inside_the_viewer_scope",
    "test_signal_loop.py::test_page_acknowledges_and_closes_through_its_forms",
    "test_signal_loop.py::test_page_is_read_only_for_leaders_and_shows_the_rules",
    "test_signals.py::test_a_load_recomputes_only_the_touched_regions_and_the_months_it_can_affect",
    "test_signals.py::test_cli_signals_refresh_recomputes_every_month",
    "test_signals.py::test_closed_signal_reopens_when_its_level_rises_and_stays_closed_when_unchanged",
    "test_signals.py::test_planted_surge_and_escalated_dispute_raise_red_signals_for_exactly_that_region",
    "test_signals.py::test_r1_signal_closes_when_the_dispute_is_reported_resolved",
    "test_signals.py::test_r1_unresolved_major_dispute_is_red_after_15_days_orange_before_and_minor_or_resolved_ones_are_quiet",
    "test_signals.py::test_r2_intake_jump_to_four_times_the_six_month_mean_is_red_and_a_steady_region_is_quiet",
    "test_signals.py::test_r2_seasonal_rise_before_the_spring_festival_is_not_a_surge",
    "test_signals.py::test_r2_small_counts_do_not_fire",
    "test_signals.py::test_r3_three_collective_disputes_of_one_unit_and_industry_within_three_months_cluster",
    "test_signals.py::test_r4_success_rate_drop_fires_with_enough_closed_cases_only",
    "test_signals.py::test_r5_red_and_orange_warnings_overdue_fire_younger_or_lower_ones_do_not",
    "test_signals.py::test_r6_backfill_of_old_months_raises_nothing",
    "test_signals.py::test_r6_late_report_is_yellow_missing_report_is_orange_on_time_is_quiet",
    "test_signals.py::test_r7_coverage_whose_pace_misses_the_target_date_fires_a_fast_one_does_not",
    "test_signals.py::test_refresh_is_idempotent_and_replays_what_the_loads_computed",
    "test_signals.py::test_restore_recomputes_signals",
    "test_signals_batch.py::test_a_batch_killed_before_its_refresh_is_finished_on_the_next_open",
    "test_signals_batch.py::test_batched_refresh_equals_refreshing_after_every_file",
    "test_submissions.py::test_a_clerk_sees_only_their_own_unit_in_the_reminder_list",
    "test_submissions.py::test_forms_that_arrive_after_the_list_was_made_drop_off_it",
    "test_submissions.py::test_grid_statuses_with_who_and_when",
    "test_submissions.py::test_the_province_gets_every_unit_that_has_not_reported_with_its_missing_forms",
    "test_template_roundtrip.py::test_a_county_template_lists_only_its_region_and_loads_in_its_scope",
    "test_template_roundtrip.py::test_dropdowns_for_industry_dispute_type_status_level_and_step",
    "test_template_roundtrip.py::test_form_a_round_trip",
    "test_template_roundtrip.py::test_form_c_round_trip",
    "test_template_roundtrip.py::test_generated_template_has_what_the_clerk_needs",
    "test_upload_flow.py::test_a_byte_identical_re_upload_is_recognised_and_not_loaded_again",
    "test_upload_flow.py::test_a_county_upload_goes_to_review_and_out_of_scope_rows_are_errors",
    "test_upload_flow.py::test_a_file_over_the_size_limit_says_which_limit_and_what_to_do",
    "test_upload_flow.py::test_a_file_without_a_period_is_loaded_with_the_period_chosen_at_upload",
    "test_upload_flow.py::test_every_sample_gets_its_stated_outcome",
    "test_upload_flow.py::test_hostile_values_and_names_get_a_chinese_message_not_an_exception",
    "test_upload_flow.py::test_loading_again_lists_what_changed",
    "test_upload_flow.py::test_many_files_at_once_load_the_valid_ones_together",
    "test_upload_flow.py::test_replacing_a_version_says_what_will_be_deleted_before_loading",
}
# "browser" = drives headless Chromium (Debian chromium + fonts-noto-cjk); such tests skip politely without it.
BROWSER_WORDS = ("chromium", "playwright", "kaleido")


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = Path(str(item.fspath))
        key = f"{path.relative_to(ROOT / 'tests').as_posix()}::{item.originalname}"
        if path.name in SLOW_MODULES or key in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
        source = getattr(item.function, "__doc__", "") or ""
        try:
            import inspect

            source += inspect.getsource(item.function)
        except (OSError, TypeError):
            pass
        if any(word in source for word in BROWSER_WORDS):
            item.add_marker(pytest.mark.browser)


# ------------------------------------------------------------------ a real PostgreSQL for the lake (tests/pg.py)
@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL cluster for the whole run (skips with the reason when none can be started)."""
    from pg import Cluster, Unavailable

    cluster = Cluster(port=55430 + (os.getpid() % 10))
    try:
        cluster.start()
    except Unavailable as exc:
        pytest.skip(f"没有可用的 PostgreSQL：{exc}")
    yield cluster
    cluster.stop()


@pytest.fixture
def make_lake(pg_cluster, tmp_path_factory):
    """make_lake() → a new, empty warehouse.lake.Lake: its own catalog database and data folder."""
    from warehouse.lake import Lake

    def make(name: str = "lake") -> Lake:
        make.count += 1
        database = f"{name}_{os.getpid()}_{make.count}_{uuid.uuid4().hex[:6]}"
        return Lake("postgres:" + pg_cluster.create_database(database), str(tmp_path_factory.mktemp(name) / "data"))

    make.count = 0
    return make

from dashboard import settings_view

SETTINGS = {
    "warehouse": {"path": "x.duckdb"},
    "reporting": {"due_day": 10, "first_period": "2024-01"},
    "major_dispute": {"escalation_counts": True},
    "targets": [
        {"measure": "union_100_committee", "date": "2024-12-31", "rate": 0.8},
        {"measure": "mediation_share", "date": "2025-12-31", "points_over_2024": 0.1},
    ],
}


def test_parameters_are_named_in_chinese_and_hide_the_warehouse_path():
    frame = settings_view.parameters(SETTINGS)
    assert frame.select("参数", "当前值").rows() == [
        ("报送截止日", "10"),
        ("最早统计期", "2024-01"),
        ("“重大”集体争议：有激化行为即为重大", "是"),
    ]


def test_targets_use_measure_labels_and_read_as_goals():
    assert settings_view.targets(SETTINGS).rows() == [
        ("工会百人以上企业调委会设立率", "2024-12-31", "80%"),
        ("协商调解解决占比", "2025-12-31", "比本地区2024年平均水平提高 10 个百分点"),
    ]


def test_every_setting_in_force_has_a_chinese_name():
    from warehouse import config

    frame = settings_view.parameters(config.settings(), for_admin=True)
    unnamed = [key for key, label in zip(frame["配置项"], frame["参数"]) if key == label]
    assert unnamed == []


def test_only_administrators_see_where_a_setting_is_changed():
    """Leaders and clerks read the users' words; the file key and the formula as written are for administrators."""
    settings = {"measures": {"success_rate": "succeeded_total / closed_total"}}
    assert settings_view.parameters(settings).rows() == [
        ("调解成功率公式", "调解成功数 ÷ 调解结案数", "附件1 各列之间的四则运算")
    ]
    admin = settings_view.parameters(settings, for_admin=True)
    assert admin.columns == ["参数", "当前值", "说明", "配置项", "配置写法"]
    assert admin.row(0)[3:] == ("measures.success_rate", "succeeded_total / closed_total")

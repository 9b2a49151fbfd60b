Attribute VB_Name = "TaizhangRibbon"
' Ribbon callbacks of the taizhang add-in: one RunPython line each.
' ASCII only - every Chinese word lives in ribbon.xml or in Python.
Option Explicit

Sub TzMakeTemplates(control As IRibbonControl)
    RunPython "import taizhang.doors.excel as tz; tz.make_templates()"
End Sub

Sub TzMergeReports(control As IRibbonControl)
    RunPython "import taizhang.doors.excel as tz; tz.merge_reports()"
End Sub

Sub TzValidateSheet(control As IRibbonControl)
    RunPython "import taizhang.doors.excel as tz; tz.validate_sheet()"
End Sub

Sub TzClearMarks(control As IRibbonControl)
    RunPython "import taizhang.doors.excel as tz; tz.clear_marks()"
End Sub

Sub TzAssign(control As IRibbonControl)
    RunPython "import taizhang.doors.excel as tz; tz.assign_cases()"
End Sub

Sub TzComputeStatus(control As IRibbonControl)
    RunPython "import taizhang.doors.excel as tz; tz.compute_status()"
End Sub

Sub TzBuildSummary(control As IRibbonControl)
    RunPython "import taizhang.doors.excel as tz; tz.build_summary()"
End Sub

Sub TzBuildBriefing(control As IRibbonControl)
    RunPython "import taizhang.doors.excel as tz; tz.build_briefing()"
End Sub

Sub TzHolidays(control As IRibbonControl)
    RunPython "import taizhang.doors.excel as tz; tz.show_holidays()"
End Sub

Sub TzAbout(control As IRibbonControl)
    RunPython "import taizhang.doors.excel as tz; tz.about()"
End Sub

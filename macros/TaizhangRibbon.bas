Attribute VB_Name = "TaizhangRibbon"
' Ribbon callbacks of the taizhang add-in: a guard, then one RunPython line each.
' ASCII only - Chinese text is in ribbon.xml, in Python, or below as UTF-16 hex decoded with ChrW.
Option Explicit

' Title: taizhang helper (tai zhang zhu shou)
Private Const MSG_TITLE As String = "53F08D2652A9624B"
' No workbook is open: open the master (or a unit's submission) first, then press the button.
Private Const MSG_NO_BOOK As String = "6CA1670962535F0076845DE54F5C7C3F30028BF7514862535F0053F08D26603B8868FF08621653554F4D768462A590018868FF09FF0C518D70B951FB53F08D2652A9624B7684630994AE3002"
' The workbook is in Protected View: click Enable Editing on the yellow bar first.
Private Const MSG_PROTECTED As String = "8FD94E2A5DE54F5C7C3F59044E8E201C53D74FDD62A4768489C656FE201DFF0C4E0D80FD4FEE653930028BF7514870B951FB9EC4827263D0793A67614E0A7684201C542F75287F168F91201DFF0C518D70B951FB53F08D2652A9624B7684630994AE3002"

Private Function U(ByVal codes As String) As String
    ' Text from groups of four hex digits (UTF-16 code units); keeps this module ASCII.
    ' ChrW takes -32768..65535, so the code unit is right whether Val reads it as Integer or Long.
    Dim i As Long
    For i = 1 To Len(codes) Step 4
        U = U & ChrW(Val("&H" & Mid$(codes, i, 4) & "&"))
    Next i
End Function

Private Function TzReady() As Boolean
    ' True when an editable workbook is active; otherwise says why in Chinese (instead of run-time error 91).
    Dim pv As Object
    On Error Resume Next
    Set pv = Application.ActiveProtectedViewWindow
    On Error GoTo 0
    If Not pv Is Nothing Then
        MsgBox U(MSG_PROTECTED), vbExclamation, U(MSG_TITLE)
        Exit Function
    End If
    If ActiveWorkbook Is Nothing Then
        MsgBox U(MSG_NO_BOOK), vbExclamation, U(MSG_TITLE)
        Exit Function
    End If
    TzReady = True
End Function

Sub TzMakeTemplates(control As IRibbonControl)
    If Not TzReady() Then Exit Sub
    RunPython "import taizhang.doors.excel as tz; tz.make_templates()"
End Sub

Sub TzMergeReports(control As IRibbonControl)
    If Not TzReady() Then Exit Sub
    RunPython "import taizhang.doors.excel as tz; tz.merge_reports()"
End Sub

Sub TzValidateSheet(control As IRibbonControl)
    If Not TzReady() Then Exit Sub
    RunPython "import taizhang.doors.excel as tz; tz.validate_sheet()"
End Sub

Sub TzClearMarks(control As IRibbonControl)
    If Not TzReady() Then Exit Sub
    RunPython "import taizhang.doors.excel as tz; tz.clear_marks()"
End Sub

Sub TzAssign(control As IRibbonControl)
    If Not TzReady() Then Exit Sub
    RunPython "import taizhang.doors.excel as tz; tz.assign_cases()"
End Sub

Sub TzComputeStatus(control As IRibbonControl)
    If Not TzReady() Then Exit Sub
    RunPython "import taizhang.doors.excel as tz; tz.compute_status()"
End Sub

Sub TzBuildSummary(control As IRibbonControl)
    If Not TzReady() Then Exit Sub
    RunPython "import taizhang.doors.excel as tz; tz.build_summary()"
End Sub

Sub TzBuildBriefing(control As IRibbonControl)
    If Not TzReady() Then Exit Sub
    RunPython "import taizhang.doors.excel as tz; tz.build_briefing()"
End Sub

Sub TzPeriodNotice(control As IRibbonControl)
    If Not TzReady() Then Exit Sub
    RunPython "import taizhang.doors.excel as tz; tz.build_period_notice()"
End Sub

Sub TzRemind(control As IRibbonControl)
    If Not TzReady() Then Exit Sub
    RunPython "import taizhang.doors.excel as tz; tz.remind()"
End Sub

Sub TzOverview(control As IRibbonControl)
    If Not TzReady() Then Exit Sub
    RunPython "import taizhang.doors.excel as tz; tz.overview()"
End Sub

Sub TzHolidays(control As IRibbonControl)
    If Not TzReady() Then Exit Sub
    RunPython "import taizhang.doors.excel as tz; tz.show_holidays()"
End Sub

Sub TzAbout(control As IRibbonControl)
    If Not TzReady() Then Exit Sub
    RunPython "import taizhang.doors.excel as tz; tz.about()"
End Sub

' Test stand-in, used only by tests/test_vba_in_libreoffice.py: the object that xlwings' XLPy
' function returns on Windows (the COM server of xlwings' Python), reduced to what the generated
' wrappers in ProductiveFunctions ask of it, CallUDF. Instead of reaching Python through COM it
' calls udf_stand_in.py (this folder) through LibreOffice's script provider for Python.
Option VBASupport 1
Option ClassModule
Option Explicit

' Like xlwings' CallUDF: run functionName of moduleName with args. It first describes each
' argument as it arrived here (Missing, Empty, an error value, an array or a typed value), so
' that the test can see what a wrapper passed, and fails with Err.Raise and the Python traceback
' as its description, where the COM bridge raises a COM error.
Public Function CallUDF(moduleName, functionName, args, book, caller)
    Dim described(), i As Long, outcome
    ReDim described(UBound(args) - LBound(args))
    For i = LBound(args) To UBound(args)
        ' A Missing value cannot be passed on in LibreOffice (error 449, "Argument is not
        ' optional"), where VBA passes it to a Variant parameter: it is described here.
        If IsMissing(args(i)) Then
            described(i - LBound(args)) = Array("Missing")
        Else
            described(i - LBound(args)) = Describe(args(i))
        End If
    Next i
    outcome = StandIn("call_udf").invoke(Array(moduleName, functionName, described, _
        TypeName(book), BookName(book), CallerAddress(caller)), Array(), Array())
    If outcome(0) = "raise" Then Err.Raise 1000, "Python", outcome(1)
    CallUDF = AsTable(outcome(1))
End Function

' A list of lists (a table, such as PRODUCTIVE_ROLLUP's) comes back from the script provider as
' an array of arrays; the COM bridge hands it to VBA as a two-dimensional array, as this does.
Private Function AsTable(value)
    Dim table(), line, r As Long, c As Long, first As Long
    If Not IsArray(value) Then
        AsTable = value
        Exit Function
    End If
    first = LBound(value)
    If UBound(value) < first Then
        AsTable = value
        Exit Function
    End If
    If Not IsArray(value(first)) Then
        AsTable = value
        Exit Function
    End If
    line = value(first)
    ReDim table(0 To UBound(value) - first, 0 To UBound(line) - LBound(line))
    For r = first To UBound(value)
        line = value(r)
        For c = LBound(line) To UBound(line)
            table(r - first, c - LBound(line)) = line(c)
        Next c
    Next r
    AsTable = table
End Function

' The Python function name of udf_stand_in.py, in the test profile's Scripts/python folder.
Public Function StandIn(ByVal name As String) As Object
    Dim factory As Object
    Set factory = CreateUnoService("com.sun.star.script.provider.MasterScriptProviderFactory")
    Set StandIn = factory.createScriptProvider("").getScript( _
        "vnd.sun.star.script:udf_stand_in.py$" & name & "?language=Python&location=user")
End Function

Private Function Describe(value)
    Dim rows(), cells(), r As Long, c As Long, target As Object
    If TypeName(value) = "Range" Then
        ' A cell reference, passed as a Range as Excel passes it: xlwings reads its value.
        Set target = value
        Describe = Array("Range", target.Address(False, False), Describe(target.Value))
    ElseIf IsArray(value) Then
        ReDim rows(UBound(value, 1) - LBound(value, 1))
        For r = LBound(value, 1) To UBound(value, 1)
            ReDim cells(UBound(value, 2) - LBound(value, 2))
            For c = LBound(value, 2) To UBound(value, 2)
                cells(c - LBound(value, 2)) = Describe(value(r, c))
            Next c
            rows(r - LBound(value, 1)) = cells
        Next r
        Describe = Array("Array", rows)
    ElseIf IsEmpty(value) Then
        Describe = Array("Empty")
    ElseIf IsNull(value) Then
        Describe = Array("Null")
    ElseIf IsError(value) Then
        Describe = Array("Error", CLng(value))
    ElseIf IsObject(value) Then
        Describe = Array("Object", TypeName(value))
    Else
        Describe = Array(TypeName(value), value)
    End If
End Function

' Members are read through an object variable, never through the parameter itself, which
' LibreOffice refuses when the argument is no object (see ProductiveErrors.CellKey).
Private Function BookName(book) As String
    Dim target As Object
    If TypeName(book) <> "Workbook" Then Exit Function
    Set target = book
    BookName = target.Name
End Function

Private Function CallerAddress(caller) As String
    Dim target As Object
    If TypeName(caller) <> "Range" Then
        CallerAddress = "(" & TypeName(caller) & ")"
        Exit Function
    End If
    Set target = caller
    CallerAddress = target.Worksheet.Name & "!" & target.Address(False, False)
End Function

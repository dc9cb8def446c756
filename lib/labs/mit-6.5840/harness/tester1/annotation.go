// labgrade-overlay: the 2025 tester1's annotation calls, kept so a Raft
// that annotates compiles unchanged. The course draws them in Porcupine's
// visualiser; here the ones a student makes (Annotate, AnnotateInterval,
// AnnotateContinuous) go to the node's log on stderr, and the tester's own
// (checker, fault and info annotations) do nothing: our tester reports
// those itself.
package tester

import (
	"fmt"
	"os"
	"time"
)

// The colours and tags of the course's annotations.
const (
	COLOR_INFO    string = "#FAFAFA"
	COLOR_NEUTRAL string = "#FFECB3"
	COLOR_SUCCESS string = "#C8E6C9"
	COLOR_FAILURE string = "#FFCDD2"
	COLOR_FAULT   string = "#B3E5FC"
	COLOR_USER    string = "#FFF176"

	TAG_CHECKER   string = "$ Checker"
	TAG_PARTITION string = "$ Failure"
	TAG_INFO      string = "$ Test Info"
)

func logAnnotation(kind, tag, desp, details string) {
	fmt.Fprintf(os.Stderr, "annotation %s [%s] %s: %s\n", kind, tag, desp, details)
}

// Annotate logs a point annotation.
func Annotate(tag, desp, details string) { logAnnotation("point", tag, desp, details) }

// AnnotateInterval logs an annotation over [start, now].
func AnnotateInterval(tag string, start int64, desp, details string) {
	logAnnotation(fmt.Sprintf("interval of %v", time.Duration(GetAnnotateTimestamp()-start)), tag, desp, details)
}

// AnnotateContinuous logs the start of a continuing annotation.
func AnnotateContinuous(tag, desp, details string) { logAnnotation("continuous", tag, desp, details) }

// GetAnnotateTimestamp is the time in nanoseconds since the Unix epoch.
func GetAnnotateTimestamp() int64 { return time.Now().UnixNano() }

// The calls below are the course tester's own: they do nothing here.

func AnnotatePointColor(tag, desp, details, bgcolor string)                        {}
func AnnotateIntervalColor(tag string, start int64, desp, details, bgcolor string) {}
func AnnotateContinuousColor(tag, desp, details, bgcolor string)                   {}
func AnnotateContinuousEnd(tag string)                                             {}
func AnnotateInfo(desp, details string)                                            {}
func AnnotateInfoInterval(start int64, desp, details string)                       {}
func AnnotateTest(desp string, nservers int)                                       {}
func AnnotateCheckerBegin(details string)                                          {}
func AnnotateCheckerEnd(desp, details, color string)                               {}
func AnnotateCheckerSuccess(desp, details string)                                  {}
func AnnotateCheckerFailure(desp, details string)                                  {}
func AnnotateCheckerNeutral(desp, details string)                                  {}
func AnnotateCheckerFailureBeforeExit(desp, details string)                        {}
func AnnotateConnection(connection []bool)                                         {}
func AnnotateTwoPartitions(p1 []int, p2 []int)                                     {}
func AnnotateClearFailure()                                                        {}
func AnnotateShutdown(servers []int)                                               {}
func AnnotateShutdownAll()                                                         {}
func AnnotateRestart(servers []int)                                                {}
func AnnotateRestartAll()                                                          {}
func SetAnnotationFinalized()                                                      {}
func GetAnnotationFinalized() bool                                                 { return false }

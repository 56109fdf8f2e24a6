import type { Dashboard } from '../../contracts/dashboard.js';
import type { PracticeState } from '../../contracts/practice.js';
import type { Assignment, AssignmentInput, AttemptResult, CourseList, TrainingReport } from '../../contracts/training.js';
import { apiGet, apiPost, apiRequest } from './http.js';

export const guidanceKeys = {
  courses: ['training', 'courses'] as const,
  assignments: ['training', 'assignments'] as const,
  report: (courseId: string) => ['training', 'report', courseId] as const,
  dashboard: ['dashboard'] as const,
  practice: ['practice'] as const,
};

export const listCourses = () => apiGet<CourseList>('/api/training/courses');
export const markLessonRead = (courseId: string, lessonId: string) => apiPost<{ courseId: string; lessonsRead: string[] }>(`/api/training/courses/${courseId}/lessons/${lessonId}/read`);
export const submitAttempt = (courseId: string, answers: Record<string, string>) => apiPost<AttemptResult>(`/api/training/courses/${courseId}/attempts`, { answers });
export const listAssignments = () => apiGet<{ items: Assignment[] }>('/api/training/assignments');
export const createAssignment = (input: AssignmentInput) => apiPost<Assignment>('/api/training/assignments', input);
export const deleteAssignment = (id: string) => apiRequest<void>('DELETE', `/api/training/assignments/${id}`);
export const fetchTrainingReport = (courseId: string) => apiGet<TrainingReport>('/api/training/report', { courseId });
export const trainingReportCsvUrl = (courseId: string) => `/api/training/report/export?courseId=${encodeURIComponent(courseId)}`;

export const fetchDashboard = () => apiGet<Dashboard>('/api/dashboard');
/** The tiles of other capabilities' routes: an answer of 404 (not installed yet) hides the tile. */
export async function fetchOptional<T>(path: string, query?: Record<string, string>): Promise<T | null> {
  try {
    return await apiGet<T>(path, query);
  } catch {
    return null;
  }
}

export const fetchPractice = () => apiGet<PracticeState>('/api/practice');
export const openPractice = () => apiPost<PracticeState>('/api/practice');
export const leavePractice = () => apiRequest<PracticeState>('DELETE', '/api/practice');

import { useNavigate } from 'react-router';
import { ProblemError } from '../api/http.js';

/**
 * The deletion gate's answer (403 `training-required`) sends the user to the course instead of showing an
 * error; returns whether it did.
 */
export function useTrainingGate(): (error: unknown) => boolean {
  const navigate = useNavigate();
  return (error) => {
    if (!(error instanceof ProblemError) || error.code !== 'training-required') return false;
    const course = typeof error.problem.courseId === 'string' ? error.problem.courseId : 'safe-deletion';
    void navigate(`/training/${encodeURIComponent(course)}?gate=1`);
    return true;
  };
}
